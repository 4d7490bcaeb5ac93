/**
 * Access control's own module: keys, sessions and the audit log behind the HTTP server's
 * checks (platform/access.ts). It runs in every process when ORBIT_AUTH is on.
 */
import { defineModule } from '../../platform/modules.ts';
import { service } from '../../core/service.ts';
import { ACCESS_STORE } from '../../stores/access/store.ts';
import { AUDIT } from '../../stores/audit/store.ts';
import { MISSIONS } from '../../stores/missions/catalog.ts';
import { KeyGatekeeper } from './gatekeeper.ts';
import { accessRoutes, type AccessApi } from './routes.ts';

export const ACCESS = service<AccessApi>('access');

export const accessModule = defineModule({
  provides: ACCESS,
  deps: { store: ACCESS_STORE, audit: AUDIT, catalog: MISSIONS },
  async start({ config, logger, deps, internalKey }) {
    const gate = new KeyGatekeeper({ ...deps, logger, adminKey: config.auth.adminKey, internalKey });
    return { value: { ...deps, gate } };
  },
  routes: accessRoutes,
});
