// The training data pipeline (spec §3.2): a dataset of @daek/datasets, a seeded permutation per epoch, RIFE's
// augmentation per sample, batches of `[B, crop, crop, 3]` with drop_last. Everything random is a pure function of
// (seed, epoch, position in the epoch), so a resumed run sees exactly the batches an uninterrupted one would.
import * as tf from '@tensorflow/tfjs';
import {
  applyAugmentationToRaw, createRandom, createSyntheticTriplets, deriveSeed, drawAugmentation, openFrameFolder,
  openUcf101, openVideo, openVimeoTriplet, readHoldout, type FrameRange, type RawTriplet, type TripletDataset,
} from '@daek/datasets';
import type {FrameBatch} from './step.js';

/** Where triplets come from. */
export type DataKind = 'synthetic' | 'vimeo' | 'ucf101' | 'video' | 'frames';

/** A data source: a kind and, except for `synthetic`, a path. */
export interface DataSource {
  /** The loader. */
  kind: DataKind;
  /** Dataset root, video file or frame folder. */
  path?: string;
}

/** How a source is opened. */
export interface OpenOptions {
  /** `train` (Vimeo: RIFE's first 95% of the train list) or `validation` (Vimeo: the last 5%). */
  role: 'train' | 'validation';
  /** Seed of the synthetic scenes. */
  syntheticSeed: number;
  /** Number of synthetic triplets. */
  syntheticCount: number;
  /** Synthetic frame size `[width, height]`. */
  syntheticSize: [number, number];
  /** Video / frame folder: frames between a triplet's frames (default 1). */
  gap?: number;
  /** Video / frame folder: frames between the first frames of successive triplets (default 1). */
  stride?: number;
  /** `throw` (default) or `skip` bad samples (each one is reported). */
  onError?: 'throw' | 'skip';
  /** At most this many samples. */
  limit?: number;
  /** Video / frame folder: frame ranges never to use (see {@link holdoutRanges}). */
  exclude?: readonly FrameRange[];
}

/** What the trainer reads from a dataset: its name, its length when known, random access and a plain pass. */
export type TrainSet = Pick<TripletDataset, 'name' | 'length' | 'read' | 'rawSamples'>;

/** Parse `synthetic`, `vimeo:DIR`, `ucf101:DIR`, `video:FILE` or `frames:DIR`. */
export function parseDataSource(text: string, flag: string): DataSource {
  if (text === 'synthetic') return {kind: 'synthetic'};
  const cut = text.indexOf(':');
  const kind = cut > 0 ? text.slice(0, cut) : '';
  const path = cut > 0 ? text.slice(cut + 1) : '';
  if (!['vimeo', 'ucf101', 'video', 'frames'].includes(kind) || path.length === 0) {
    throw new Error(`${flag} '${text}': expected synthetic, vimeo:DIR, ucf101:DIR, video:FILE or frames:DIR.`);
  }
  return {kind: kind as DataKind, path};
}

/**
 * Parse `--data`: one source, or several joined by commas (`video:a.mp4,video:b.mp4,synthetic`), which are
 * trained on together (see {@link openTrainSet}). A path that contains a comma cannot be given this way.
 */
export function parseDataSources(text: string, flag: string): DataSource[] {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.some((part) => part.length === 0)) throw new Error(`${flag} '${text}': an empty entry in the comma-separated list.`);
  return parts.map((part) => parseDataSource(part, flag));
}

/**
 * Frames to hold out of training, from a manifest of evaluation triplets in the layout of
 * `video-clips/triplets/manifest.json`: `{"<video file name>": {"triplets": [{"source_frames": [a, b, c]}, ...]}}`.
 * Returns, per video file name, the frame ranges within `margin` frames of any evaluation triplet. The one reader
 * is @daek/datasets' `readHoldout`, which `daek-data export --holdout` uses too.
 */
export const holdoutRanges: (manifestFile: string, margin: number) => Map<string, FrameRange[]> = readHoldout;

/** `vimeo:/data/vimeo_triplet` style text of a source. */
export function describeSource(source: DataSource): string {
  return source.kind === 'synthetic' ? 'synthetic' : `${source.kind}:${source.path}`;
}

/** The sources of a mixed set, each with its size (what the start message prints). */
export interface SetPart {
  /** The source. */
  source: DataSource;
  /** Its triplets. */
  length: number;
}

/**
 * Several sources as one list set with random access, so a mix is shuffled as a whole: list sources (synthetic,
 * Vimeo, UCF101, frame folders) are read by index, and a video, which can only be decoded in order, is decoded
 * once into memory (its triplets share frames, so this costs one copy of the frames it uses).
 */
export async function openTrainSet(sources: readonly DataSource[], open: (source: DataSource) => TripletDataset,
    onPart?: (part: SetPart) => void): Promise<TrainSet> {
  if (sources.length === 1) return open(sources[0]!);
  const parts: {length: number; read: (i: number) => Promise<RawTriplet>}[] = [];
  for (const source of sources) {
    const dataset = open(source);
    if (dataset.length !== undefined) {
      parts.push({length: dataset.length, read: (i) => dataset.read(i)});
    } else {
      const triplets: RawTriplet[] = [];
      for await (const raw of dataset.rawSamples()) triplets.push(raw);
      parts.push({length: triplets.length, read: (i) => Promise.resolve(triplets[i]!)});
    }
    onPart?.({source, length: parts[parts.length - 1]!.length});
  }
  const starts: number[] = [];
  let length = 0;
  for (const part of parts) {
    starts.push(length);
    length += part.length;
  }
  const name = `mix(${sources.map(describeSource).map((d) => d.length > 40 ? `…${d.slice(-38)}` : d).join(' + ')})`;
  const read = (index: number): Promise<RawTriplet> => {
    if (!(Number.isInteger(index) && index >= 0 && index < length)) {
      return Promise.reject(new Error(`${name}: index ${index} is outside 0..${length - 1}.`));
    }
    let p = parts.length - 1;
    while (starts[p]! > index) p--;
    return parts[p]!.read(index - starts[p]!);
  };
  return {
    name, length, read,
    rawSamples: async function* () {
      for (let i = 0; i < length; i++) yield await read(i);
    } as TrainSet['rawSamples'],
  };
}

/** Open a source with @daek/datasets (no shuffle, no augmentation: the trainer does both itself). */
export function openSource(source: DataSource, options: OpenOptions): TripletDataset {
  const common = {onError: options.onError ?? 'throw', limit: options.limit};
  const schedule = {gap: options.gap ?? 1, stride: options.stride ?? 1};
  switch (source.kind) {
    case 'synthetic': {
      const [width, height] = options.syntheticSize;
      return createSyntheticTriplets({...common, seed: options.syntheticSeed, count: options.syntheticCount, width, height});
    }
    case 'vimeo':
      return openVimeoTriplet(source.path!, {...common, split: options.role === 'train' ? 'rife-train' : 'rife-validation'});
    case 'ucf101':
      return openUcf101(source.path!, common);
    case 'frames':
      return openFrameFolder(source.path!, {...common, ...schedule, exclude: options.exclude});
    case 'video':
      return openVideo(source.path!, {...common, ...schedule, exclude: options.exclude});
  }
}

/** Seed stream ids of the trainer's own shuffle and augmentation (apart from @daek/datasets' streams). */
const SHUFFLE_STREAM = 0x54525348;
const AUGMENT_STREAM = 0x54524147;

/** The sample order of one epoch: a seeded Fisher-Yates permutation of `0..length-1`. */
export function epochOrder(length: number, seed: number, epoch: number): number[] {
  const random = createRandom(deriveSeed(seed, SHUFFLE_STREAM, epoch));
  const order = Array.from({length}, (_, i) => i);
  for (let i = length - 1; i > 0; i--) {
    const j = random.integer(0, i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** A training batch and where the epoch stands after it. */
export interface PositionedBatch extends FrameBatch {
  /** Order entries of this epoch consumed so far (including skipped samples). */
  position: number;
  /** Sample ids of the batch. */
  ids: string[];
}

/** Options of {@link TrainData}. */
export interface TrainDataOptions {
  /** Seed of the shuffle and the augmentation. */
  seed: number;
  /** Square crop side (spec: 224). */
  crop: number;
  /** Batch size. */
  batch: number;
  /** Shuffle list datasets (default true; video files are read in order). */
  shuffle?: boolean;
  /** `skip`: report a bad sample and take the next one; `throw` (default): stop with an error naming its file. */
  onError?: 'throw' | 'skip';
  /** Messages (skipped samples). */
  warn?: (message: string) => void;
}

/**
 * Batches for training. List datasets (Vimeo, UCF101, frame folders, synthetic) are read by index in a seeded
 * order, so an epoch can start at any position without decoding what came before; video files are decoded in
 * order and a resumed epoch skips the samples already used.
 */
export class TrainData {
  /** Samples of one pass. */
  readonly length: number;
  /** Optimiser steps of one epoch: ⌊length / batch⌋ (PyTorch's drop_last). */
  readonly stepsPerEpoch: number;

  private constructor(private readonly dataset: TrainSet, length: number, private readonly options: TrainDataOptions) {
    this.length = length;
    this.stepsPerEpoch = Math.floor(length / options.batch);
  }

  /**
   * Check a dataset can train: it has samples, at least one batch, and its first sample reads and fits the crop.
   * A video's length is found by decoding it once.
   */
  static async create(dataset: TrainSet, options: TrainDataOptions): Promise<TrainData> {
    let length = dataset.length;
    let first: RawTriplet | undefined;
    if (length === undefined) {
      length = 0;
      for await (const raw of dataset.rawSamples()) {
        first ??= raw;
        length++;
      }
    } else if (length > 0) {
      first = await dataset.read(0);
    }
    if (length === 0 || !first) {
      throw new Error(`${dataset.name}: the dataset has no triplets; there is nothing to train on. ` +
        'Check the path and the layout it expects (daek-train --help).');
    }
    if (length < options.batch) {
      throw new Error(`${dataset.name}: ${length} triplet(s) make no batch of ${options.batch} (batches drop the incomplete ` +
        'last one). Lower --batch or add data.');
    }
    const {width, height} = first.frame0;
    if (options.crop > width || options.crop > height) {
      throw new Error(`${dataset.name}: frames are ${width}x${height}, smaller than the ${options.crop}x${options.crop} crop; ` +
        'lower --crop (a multiple of 16, at least 64).');
    }
    return new TrainData(dataset, length, options);
  }

  /** The dataset's name. */
  get name(): string {
    return this.dataset.name;
  }

  /** Batches of `epoch` from order entry `position` on, until the epoch has no full batch left. */
  async *batches(epoch: number, position = 0): AsyncGenerator<PositionedBatch, void, undefined> {
    const samples = this.dataset.length === undefined ? this.streamFrom(epoch, position) : this.listFrom(epoch, position);
    let pending: {raw: RawTriplet; position: number}[] = [];
    for await (const item of samples) {
      pending.push(item);
      if (pending.length === this.options.batch) {
        const batch = toBatch(pending.map((p) => this.augment(p.raw, epoch, p.position - 1)));
        yield {...batch, position: item.position, ids: pending.map((p) => p.raw.id)};
        pending = [];
      }
    }
  }

  private augment(raw: RawTriplet, epoch: number, position: number): RawTriplet {
    const random = createRandom(deriveSeed(this.options.seed, AUGMENT_STREAM, epoch, position));
    const choice = drawAugmentation(random, raw.frame0.height, raw.frame0.width, this.options.crop);
    return applyAugmentationToRaw(raw, choice);
  }

  /** List datasets: samples by index in this epoch's order, a few reads ahead. `position` counts consumed entries. */
  private async *listFrom(epoch: number, start: number): AsyncGenerator<{raw: RawTriplet; position: number}> {
    const order = this.options.shuffle === false ?
      Array.from({length: this.length}, (_, i) => i) : epochOrder(this.length, this.options.seed, epoch);
    const ahead = Math.max(4, 2 * this.options.batch);
    const pending: Promise<RawTriplet | Error>[] = [];
    let next = start;
    const pull = () => {
      const index = order[next++]!;
      pending.push(this.dataset.read(index).catch((error: unknown) => error instanceof Error ? error : new Error(String(error))));
    };
    while (pending.length < ahead && next < order.length) pull();
    let position = start;
    while (pending.length > 0) {
      const result = await pending.shift()!;
      if (next < order.length) pull();
      position++;
      if (result instanceof Error) {
        if (this.options.onError !== 'skip') throw result;
        this.options.warn?.(`skipped a sample: ${result.message}`);
        continue;
      }
      yield {raw: result, position};
    }
  }

  /** Video files: decode in order, skipping the first `start` samples of the epoch. */
  private async *streamFrom(epoch: number, start: number): AsyncGenerator<{raw: RawTriplet; position: number}> {
    let position = 0;
    for await (const raw of this.dataset.rawSamples({epoch})) {
      position++;
      if (position <= start) continue;
      yield {raw, position};
    }
  }
}

/** Stack 8-bit triplets into float32 `[B,H,W,3]` batches (byte / 255). */
export function toBatch(raws: readonly RawTriplet[]): FrameBatch {
  const {width, height} = raws[0]!.frame0;
  const stack = (pick: (r: RawTriplet) => Uint8Array) => {
    const out = new Float32Array(raws.length * width * height * 3);
    raws.forEach((r, b) => {
      const bytes = pick(r);
      const offset = b * bytes.length;
      for (let i = 0; i < bytes.length; i++) out[offset + i] = bytes[i]! / 255;
    });
    return tf.tensor4d(out, [raws.length, height, width, 3]);
  };
  return {frame0: stack((r) => r.frame0.data), gt: stack((r) => r.gt.data), frame1: stack((r) => r.frame1.data)};
}

/** Dispose a batch's tensors. */
export function disposeFrames(batch: FrameBatch): void {
  tf.dispose([batch.frame0, batch.gt, batch.frame1]);
}

/** The first `count` samples of a dataset as 8-bit triplets, in its own order (the validation set). */
export async function readAll(dataset: TrainSet, count: number): Promise<RawTriplet[]> {
  const out: RawTriplet[] = [];
  for await (const raw of dataset.rawSamples()) {
    out.push(raw);
    if (out.length >= count) break;
  }
  if (out.length === 0) throw new Error(`${dataset.name}: the validation set has no triplets. Check --val, or pass --val none.`);
  return out;
}
