export function GroundTrackView() {
  return <h1>Ground track</h1>;
}
