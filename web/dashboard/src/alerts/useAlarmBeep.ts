/**
 * The audible cue for a new critical alert: a short two-tone beep, synthesised with Web
 * Audio (no sound files to load), repeated while `active`. Browsers keep audio suspended
 * until the page has had a click or key press; the beep starts sounding after the first.
 */
import { useEffect } from 'react';

const REPEAT_MS = 3000;
const TONES_HZ = [880, 660];
const TONE_SECONDS = 0.18;

let context: AudioContext | undefined;

function beep(): void {
  context ??= new AudioContext();
  if (context.state === 'suspended') void context.resume();
  const start = context.currentTime;
  TONES_HZ.forEach((hz, i) => {
    const at = start + i * TONE_SECONDS;
    const oscillator = context!.createOscillator();
    const gain = context!.createGain();
    oscillator.type = 'square';
    oscillator.frequency.value = hz;
    // A quick fade in and out: a bare start and stop clicks.
    gain.gain.setValueAtTime(0, at);
    gain.gain.linearRampToValueAtTime(0.08, at + 0.01);
    gain.gain.linearRampToValueAtTime(0, at + TONE_SECONDS);
    oscillator.connect(gain).connect(context!.destination);
    oscillator.start(at);
    oscillator.stop(at + TONE_SECONDS);
  });
}

export function useAlarmBeep(active: boolean): void {
  useEffect(() => {
    if (!active || typeof AudioContext === 'undefined') return;
    beep();
    const timer = setInterval(beep, REPEAT_MS);
    return () => clearInterval(timer);
  }, [active]);
}
