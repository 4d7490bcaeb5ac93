/**
 * NAB's scaled sigmoid: the worth of a detection by its position relative to a window.
 * Position -1 is a window's first row, 0 just past its last; positive positions are
 * rows after the window, in window widths. The worth falls from about +0.987 at -1
 * through 0 at the window's right edge to about -0.987 one width after it, and is -1
 * beyond three widths: early detections earn most, late ones cost almost a full false
 * positive.
 */
export function scaledSigmoid(position: number): number {
  if (position > 3) return -1;
  return 2 / (1 + Math.exp(5 * position)) - 1;
}

/** The worth of a detection on a window's first row, which earns exactly the profile's tp weight. */
export const MAX_TP = scaledSigmoid(-1);
