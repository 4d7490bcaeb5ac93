/**
 * `npm run image`: builds the Orbit image with podman (ops/image/image.ts). Progress goes to
 * stderr; the last line on stdout is the reference of the image built, e.g.
 * `localhost/orbit:0.1.0-c3f7dbd`, also tagged `localhost/orbit:<version>`.
 */
import { buildImage } from './image.ts';

const image = await buildImage();
console.log(image.reference);
