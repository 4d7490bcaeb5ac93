export function AlertsPanel() {
  return <aside className="alerts-panel" aria-label="Alerts"><h2>Alerts</h2></aside>;
}
