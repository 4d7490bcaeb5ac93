/**
 * Who is signed in, and the sign-out button (a form post carrying the session's CSRF
 * token); nothing when the server checks no keys.
 */
import { useEffect, useState } from 'react';
import { currentSession, type SessionInfo } from './api.ts';

export function Account() {
  const [info, setInfo] = useState<SessionInfo | undefined>();
  useEffect(() => {
    let live = true;
    void currentSession().then((s) => live && setInfo(s));
    return () => {
      live = false;
    };
  }, []);
  if (!info) return null;
  return (
    <span className="account">
      Signed in as <strong>{info.key.name}</strong> ({info.key.role})
      {info.csrfToken && (
        <form method="post" action="/sign-out" className="sign-out">
          <input type="hidden" name="_csrf" value={info.csrfToken} />
          <button type="submit">Sign out</button>
        </form>
      )}
    </span>
  );
}
