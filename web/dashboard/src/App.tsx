/**
 * The dashboard's frame: navigation, the connection state, the views (deep-linkable
 * under /dashboard) and the alerts panel, which stays beside every view.
 */
import { Link, Route, Router, Switch } from 'wouter';
import { Account } from './Account.tsx';
import { AlertsPanel } from './alerts/AlertsPanel.tsx';
import { ConnectionBadge } from './live/ConnectionBadge.tsx';
import { FleetView } from './views/fleet/FleetView.tsx';
import { GroundTrackView } from './views/ground-track/GroundTrackView.tsx';
import { SpacecraftView } from './views/spacecraft/SpacecraftView.tsx';

const BASE = '/dashboard';

export function App() {
  return (
    <Router base={BASE}>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <span className="brand" aria-label="Orbit">◎ Orbit</span>
        <nav aria-label="Views">
          <Link href="/" className={(active) => (active ? 'active' : '')}>Fleet</Link>
          <Link href="/map" className={(active) => (active ? 'active' : '')}>Ground track</Link>
          <a href="/console">Console</a>
        </nav>
        <ConnectionBadge />
        <Account />
      </header>
      <div className="layout">
        <main id="main" tabIndex={-1}>
          <Switch>
            <Route path="/" component={FleetView} />
            <Route path="/spacecraft/:id">{(params) => <SpacecraftView key={params.id} id={decodeURIComponent(params.id)} />}</Route>
            <Route path="/map" component={GroundTrackView} />
            <Route>
              <h1>Not found</h1>
              <p><Link href="/">Back to the fleet</Link></p>
            </Route>
          </Switch>
        </main>
        <AlertsPanel />
      </div>
    </Router>
  );
}
