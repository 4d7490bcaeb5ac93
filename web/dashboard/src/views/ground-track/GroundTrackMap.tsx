/** The world map canvas: sized to its container, sharp on high-density screens; a click on a marker opens that spacecraft. */
import { useEffect, useRef, useState, type MouseEvent } from 'react';
import { drawMap, markerAt, type MapScene } from './draw.ts';

interface Props {
  scene: MapScene;
  label: string;
  describedBy: string;
  onOpen: (id: string) => void;
}

export function GroundTrackMap({ scene, label, describedBy, onOpen }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hovering, setHovering] = useState(false);
  const height = Math.round(width / 2);

  useEffect(() => {
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry!.contentRect.width)));
    observer.observe(box.current!);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const c = canvas.current;
    if (!c || width === 0) return;
    const ratio = window.devicePixelRatio || 1;
    c.width = width * ratio;
    c.height = height * ratio;
    const ctx = c.getContext('2d')!;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    drawMap(ctx, scene, width, height);
  }, [scene, width, height]);

  const hit = (e: MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    return markerAt(scene.markers, e.clientX - rect.left, e.clientY - rect.top, width, height);
  };

  return (
    <div ref={box} className="map-box">
      <canvas
        ref={canvas}
        role="img"
        aria-label={label}
        aria-describedby={describedBy}
        style={{ width, height, cursor: hovering ? 'pointer' : 'default' }}
        onClick={(e) => {
          const marker = hit(e);
          if (marker) onOpen(marker.id);
        }}
        onMouseMove={(e) => setHovering(hit(e) !== undefined)}
      />
    </div>
  );
}
