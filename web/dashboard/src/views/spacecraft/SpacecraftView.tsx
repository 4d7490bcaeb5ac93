export function SpacecraftView({ id }: { id: string }) {
  return <h1>{id}</h1>;
}
