// Runs @daek/models on frames written by the Python tests, so PyTorch and TypeScript outputs can be compared.
// Usage: tsx --conditions=@daek/source scripts/ts_forward.ts jobs.json
// jobs.json: [{model, weights?, daekConfig?, input: "x.f32", shape: [B,3,H,W], output: "y.f32"}]; input holds img0
// then img1 (NCHW float32 little-endian); output receives the interpolated frame then flows[2] (NCHW float32).
import {readFileSync, writeFileSync} from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import {createInterpolator, disposeOutputs} from '@daek/models';

interface Job {
  model: string;
  weights?: string;
  daekConfig?: Record<string, unknown>;
  input: string;
  shape: [number, number, number, number];
  output: string;
}

async function main(): Promise<void> {
  const jobs = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Job[];
  for (const job of jobs) {
    const interp = await createInterpolator({model: job.model as never, weights: job.weights, backend: 'cpu',
      daekConfig: job.daekConfig as never});
    const [b, c, h, w] = job.shape;
    const raw = readFileSync(job.input);
    const data = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    const n = b * c * h * w;
    const toNhwc = (offset: number) => tf.tidy(() =>
      tf.transpose(tf.tensor4d(data.slice(offset, offset + n), [b, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D);
    const img0 = toNhwc(0);
    const img1 = toNhwc(n);
    const out = interp.network.forward(img0, img1, {});
    const nchw = (t: tf.Tensor4D) => tf.tidy(() => tf.transpose(t, [0, 3, 1, 2]).dataSync() as Float32Array);
    const frame = nchw(out.output);
    const flow = nchw(out.flows[2]!);
    const merged = new Float32Array(frame.length + flow.length);
    merged.set(frame, 0);
    merged.set(flow, frame.length);
    writeFileSync(job.output, Buffer.from(merged.buffer));
    disposeOutputs(out);
    tf.dispose([img0, img1]);
    interp.dispose();
    console.log(`${job.model}: ${interp.weights}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
