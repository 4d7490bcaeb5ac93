/*
 * LD_PRELOAD shim that keeps a "shadow" of what a process has synced under one directory,
 * so that a test can rebuild exactly the state a power loss would leave behind.
 *
 *   SHADOW_SYNC_ROOT  the directory whose files are tracked (a process's data directory)
 *   SHADOW_SYNC_DIR   where the shadow is kept (outside SHADOW_SYNC_ROOT)
 *
 * The model, chosen to be conservative about file contents and to follow ext4's ordered
 * journal for names:
 * - The content of a file survives as it was at its last fsync/fdatasync, and only that:
 *   at each sync the byte ranges written since the previous one are copied to
 *   SHADOW_SYNC_DIR/ino/<dev>_<inode>. A file never synced comes back empty.
 * - Names (creates, renames, unlinks, mkdirs) survive once any file or directory under the
 *   root is synced after them: the journal commit of an fsync carries every metadata
 *   change made before it. At such a sync, if names changed since the last one, the tree
 *   is listed into SHADOW_SYNC_DIR/namespace ("d <rel>" or "f <dev>_<inode> <rel>").
 * - sync(), syncfs(), sync_file_range() and msync() promote nothing (the processes under
 *   test do not rely on them); a missed write or a missed rename can only make less data
 *   survive, never more.
 *
 * Build: gcc -shared -fPIC -O2 -o shadow-sync.so shadow-sync.c -ldl -lpthread
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static char root[PATH_MAX];
static size_t root_len;
static char shadow[2048];
static int enabled;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int names_dirty = 1;

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev2)(int, const struct iovec *, int, off_t, int);
static int (*real_ftruncate)(int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned int);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);
static int (*real_mkdir)(const char *, mode_t);
static int (*real_mkdirat)(int, const char *, mode_t);
static int (*real_rmdir)(const char *);
static int (*real_link)(const char *, const char *);
static int (*real_symlink)(const char *, const char *);
static int (*real_truncate)(const char *, off_t);

#define LOAD(name) real_##name = dlsym(RTLD_NEXT, #name)

__attribute__((constructor)) static void init(void) {
  LOAD(open); LOAD(openat); LOAD(write); LOAD(pwrite); LOAD(writev); LOAD(pwritev); LOAD(pwritev2);
  LOAD(ftruncate); LOAD(fsync); LOAD(fdatasync); LOAD(rename); LOAD(renameat); LOAD(renameat2);
  LOAD(unlink); LOAD(unlinkat); LOAD(mkdir); LOAD(mkdirat); LOAD(rmdir); LOAD(link); LOAD(symlink);
  LOAD(truncate);
  const char *r = getenv("SHADOW_SYNC_ROOT");
  const char *s = getenv("SHADOW_SYNC_DIR");
  if (!r || !s || !realpath(r, root)) return;
  snprintf(shadow, sizeof shadow, "%s", s);
  root_len = strlen(root);
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s/ino", shadow);
  real_mkdir(shadow, 0755);
  real_mkdir(dir, 0755);
  enabled = 1;
}

/* ---- dirty byte ranges per inode, written since the last sync ---- */

#define SLOTS 65536
struct range { dev_t dev; ino_t ino; off_t lo, hi; int used; };
static struct range ranges[SLOTS];

static struct range *slot(dev_t dev, ino_t ino, int create) {
  size_t h = ((size_t)ino * 2654435761u + (size_t)dev) % SLOTS;
  for (size_t i = 0; i < SLOTS; i++) {
    struct range *r = &ranges[(h + i) % SLOTS];
    if (r->used && r->dev == dev && r->ino == ino) return r;
    if (!r->used) {
      if (!create) return NULL;
      r->used = 1; r->dev = dev; r->ino = ino; r->lo = INT64_MAX; r->hi = 0;
      return r;
    }
  }
  abort(); /* more files written than slots: the model would be wrong, so stop loudly */
}

static void mark(int fd, off_t lo, off_t hi) {
  struct stat st;
  if (!enabled || lo >= hi || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  pthread_mutex_lock(&lock);
  struct range *r = slot(st.st_dev, st.st_ino, 1);
  if (lo < r->lo) r->lo = lo;
  if (hi > r->hi) r->hi = hi;
  pthread_mutex_unlock(&lock);
}

/* ---- what a sync makes durable ---- */

static int under_root(const char *path) {
  return strncmp(path, root, root_len) == 0 && (path[root_len] == '/' || path[root_len] == 0);
}

static int fd_path(int fd, char *out) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, out, PATH_MAX - 1);
  if (n < 0) return -1;
  out[n] = 0;
  return 0;
}

static void content_file(char *out, dev_t dev, ino_t ino) {
  snprintf(out, PATH_MAX, "%s/ino/%lu_%lu", shadow, (unsigned long)dev, (unsigned long)ino);
}

static void copy_range(int from, int to, off_t lo, off_t hi) {
  static char buf[1 << 16];
  while (lo < hi) {
    size_t want = hi - lo < (off_t)sizeof buf ? (size_t)(hi - lo) : sizeof buf;
    ssize_t n = pread(from, buf, want, lo);
    if (n <= 0) break;
    if (real_pwrite(to, buf, n, lo) != n) abort();
    lo += n;
  }
}

static FILE *listing;

static int list_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)ftw;
  const char *rel = path[root_len] ? path + root_len + 1 : ".";
  if (type == FTW_D) fprintf(listing, "d %s\n", rel);
  else if (type == FTW_F && S_ISREG(st->st_mode)) fprintf(listing, "f %lu_%lu %s\n", (unsigned long)st->st_dev, (unsigned long)st->st_ino, rel);
  return 0;
}

static void record_names(void) {
  char tmp[PATH_MAX], final[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s/namespace.tmp", shadow);
  snprintf(final, sizeof final, "%s/namespace", shadow);
  names_dirty = 0;
  int fd = real_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) abort();
  listing = fdopen(fd, "w");
  nftw(root, list_entry, 32, FTW_PHYS);
  fclose(listing);
  real_rename(tmp, final);
}

static void promote(int fd) {
  char path[PATH_MAX];
  struct stat st;
  if (!enabled || fd_path(fd, path) != 0 || !under_root(path) || fstat(fd, &st) != 0) return;
  pthread_mutex_lock(&lock);
  if (S_ISREG(st.st_mode)) {
    char copy[PATH_MAX];
    content_file(copy, st.st_dev, st.st_ino);
    int exists = access(copy, F_OK) == 0;
    struct range *r = slot(st.st_dev, st.st_ino, 0);
    int src = real_open(path, O_RDONLY | O_CLOEXEC);
    int dst = real_open(copy, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (src >= 0 && dst >= 0) {
      if (!exists) copy_range(src, dst, 0, st.st_size);
      else if (r && r->lo < r->hi) copy_range(src, dst, r->lo, r->hi < st.st_size ? r->hi : st.st_size);
      real_ftruncate(dst, st.st_size);
    }
    if (src >= 0) close(src);
    if (dst >= 0) close(dst);
    if (r) { r->lo = INT64_MAX; r->hi = 0; }
  }
  if (names_dirty) record_names();
  pthread_mutex_unlock(&lock);
}

/* A new or truncated file must not inherit what an earlier file of the same inode synced. */
static void forget_content(const char *path, int dirfd) {
  struct stat st;
  if (!enabled || fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) return;
  char copy[PATH_MAX];
  content_file(copy, st.st_dev, st.st_ino);
  pthread_mutex_lock(&lock);
  int fd = real_open(copy, O_WRONLY | O_CLOEXEC);
  if (fd >= 0) { real_ftruncate(fd, 0); close(fd); }
  pthread_mutex_unlock(&lock);
}

/* ---- interposed calls ---- */

static int open_common(int dirfd, const char *path, int flags, mode_t mode) {
  int fd = dirfd == AT_FDCWD && !real_openat ? real_open(path, flags, mode) : real_openat(dirfd, path, flags, mode);
  if (fd >= 0 && (flags & (O_CREAT | O_TRUNC))) {
    names_dirty = 1;
    if (flags & O_TRUNC) forget_content(path, dirfd);
  }
  return fd;
}

#define MODE_ARG(flags) mode_t mode = 0; if ((flags) & (O_CREAT | O_TMPFILE)) { va_list ap; va_start(ap, flags); mode = va_arg(ap, mode_t); va_end(ap); }

int open(const char *path, int flags, ...) { MODE_ARG(flags); return open_common(AT_FDCWD, path, flags, mode); }
int open64(const char *path, int flags, ...) { MODE_ARG(flags); return open_common(AT_FDCWD, path, flags, mode); }
int openat(int dirfd, const char *path, int flags, ...) { MODE_ARG(flags); return open_common(dirfd, path, flags, mode); }
int openat64(int dirfd, const char *path, int flags, ...) { MODE_ARG(flags); return open_common(dirfd, path, flags, mode); }
int creat(const char *path, mode_t mode) { return open_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode); }
int creat64(const char *path, mode_t mode) { return open_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode); }

ssize_t write(int fd, const void *buf, size_t n) {
  ssize_t done = real_write(fd, buf, n);
  if (done > 0) { off_t end = lseek(fd, 0, SEEK_CUR); if (end >= 0) mark(fd, end - done, end); }
  return done;
}
ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
  ssize_t done = real_pwrite(fd, buf, n, off);
  if (done > 0) mark(fd, off, off + done);
  return done;
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) { return pwrite(fd, buf, n, off); }
ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  ssize_t done = real_writev(fd, iov, cnt);
  if (done > 0) { off_t end = lseek(fd, 0, SEEK_CUR); if (end >= 0) mark(fd, end - done, end); }
  return done;
}
ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off) {
  ssize_t done = real_pwritev(fd, iov, cnt, off);
  if (done > 0) mark(fd, off, off + done);
  return done;
}
ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off) { return pwritev(fd, iov, cnt, off); }
ssize_t pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags) {
  ssize_t done = real_pwritev2(fd, iov, cnt, off, flags);
  if (done > 0) {
    if (off >= 0) mark(fd, off, off + done);
    else { off_t end = lseek(fd, 0, SEEK_CUR); if (end >= 0) mark(fd, end - done, end); }
  }
  return done;
}
ssize_t pwritev64v2(int fd, const struct iovec *iov, int cnt, off_t off, int flags) { return pwritev2(fd, iov, cnt, off, flags); }

int ftruncate(int fd, off_t len) {
  int rc = real_ftruncate(fd, len);
  if (rc == 0) mark(fd, len, INT64_MAX);
  return rc;
}
int ftruncate64(int fd, off_t len) { return ftruncate(fd, len); }
int truncate(const char *path, off_t len) {
  int rc = real_truncate(path, len);
  if (rc == 0) { int fd = real_open(path, O_RDONLY | O_CLOEXEC); if (fd >= 0) { mark(fd, len, INT64_MAX); close(fd); } }
  return rc;
}
int truncate64(const char *path, off_t len) { return truncate(path, len); }

int fsync(int fd) { int rc = real_fsync(fd); if (rc == 0) promote(fd); return rc; }
int fdatasync(int fd) { int rc = real_fdatasync(fd); if (rc == 0) promote(fd); return rc; }

#define NAMES(call) do { int rc = call; if (rc == 0) names_dirty = 1; return rc; } while (0)
int rename(const char *a, const char *b) { NAMES(real_rename(a, b)); }
int renameat(int da, const char *a, int db, const char *b) { NAMES(real_renameat(da, a, db, b)); }
int renameat2(int da, const char *a, int db, const char *b, unsigned int f) { NAMES(real_renameat2(da, a, db, b, f)); }
int unlink(const char *p) { forget_content(p, AT_FDCWD); NAMES(real_unlink(p)); }
int unlinkat(int d, const char *p, int f) { if (!(f & AT_REMOVEDIR)) forget_content(p, d); NAMES(real_unlinkat(d, p, f)); }
int mkdir(const char *p, mode_t m) { NAMES(real_mkdir(p, m)); }
int mkdirat(int d, const char *p, mode_t m) { NAMES(real_mkdirat(d, p, m)); }
int rmdir(const char *p) { NAMES(real_rmdir(p)); }
int link(const char *a, const char *b) { NAMES(real_link(a, b)); }
int symlink(const char *a, const char *b) { NAMES(real_symlink(a, b)); }
