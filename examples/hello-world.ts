// Hello world: read two frames, interpolate the one in between, write it.
//   npx tsx hello-world.ts [frame0.png] [frame1.png] [middle.png]
// Needs: npm install @daek/models @daek/datasets @tensorflow/tfjs @tensorflow/tfjs-backend-wasm tsx
import {createInterpolator} from '@daek/models';
import {imageToTensor, readImage, writeImage} from '@daek/datasets';

const [first = 'examples/frames/frame0.png', second = 'examples/frames/frame1.png', out = 'middle.png'] =
  process.argv.slice(2);

const frame0 = imageToTensor(await readImage(first));   // [H, W, 3] float32 in [0, 1]; PNG or JPEG, any size
const frame1 = imageToTensor(await readImage(second));
const interp = await createInterpolator({backend: 'wasm'}); // the default model, daek-s: trained weights ship with @daek/models
const middle = await interp.interpolate(frame0, frame1);    // the frame at t = 0.5, [H, W, 3]
await writeImage(out, middle);                              // .png or .jpg, written to a temporary name, then renamed
console.log(`${interp.model} on ${interp.backend}: wrote ${out} (${middle.shape[1]}x${middle.shape[0]})`);

frame0.dispose();
frame1.dispose();
middle.dispose();
interp.dispose();
