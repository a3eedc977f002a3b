// The one loader every dataset returns: a bounded read-ahead over a list of samples (random access) or a
// stream (video), with deterministic order, optional seeded shuffle, limit, augmentation and an explicit
// error policy that reports every sample it skips.
import {createAugmenter, type AugmentationOptions} from './augmentation.js';
import {batchTriplets, type TripletBatch} from './batch.js';
import {createRandom, deriveSeed, shuffledIndices} from './random.js';
import {rawToSample, type RawTriplet, type TripletSample} from './sample.js';

/** What to do with a sample whose files are missing, corrupt or of mismatched sizes. */
export type ErrorPolicy = 'throw' | 'skip';

/** A sample left out under `onError: 'skip'`, with the path at fault. */
export interface SkippedSample {
  /** The sample's id. */
  id: string;
  /** The file (or folder) at fault. */
  path: string;
  /** The error message. */
  reason: string;
}

/** What one pass over a dataset did, reported at its end (also when the consumer stops early). */
export interface PassSummary {
  /** The dataset's name. */
  dataset: string;
  /** The epoch of the pass. */
  epoch: number;
  /** False when the consumer stopped before the end. */
  complete: boolean;
  /** Samples yielded. */
  yielded: number;
  /** Samples skipped for errors (only with `onError: 'skip'`). */
  skipped: SkippedSample[];
  /** Triplets left out because a frame fell in an `exclude` range (video files, frame folders). */
  excluded: number;
  /** Frame indices where a scene cut was detected: the first frame of the new scene. */
  sceneCuts: number[];
  /** Triplets dropped because they span a scene cut. */
  droppedAtSceneCuts: number;
}

/** Options every loader accepts. */
export interface LoaderOptions {
  /** Samples decoded ahead of the consumer (default 4). Never the whole set. */
  prefetch?: number;
  /** Seeded shuffle of the sample order, a new permutation per epoch (default false; list datasets only). */
  shuffle?: boolean;
  /** Seed of the shuffle and of the augmentation stream (default 0). */
  seed?: number;
  /** At most this many samples per pass (list datasets: the first `limit` of the order). */
  limit?: number;
  /** `'throw'` (default): the first bad sample throws an Error naming its path. `'skip'`: report and go on. */
  onError?: ErrorPolicy;
  /** Called for every skipped sample. Default: one `console.warn` line per sample. */
  onSkip?: (skipped: SkippedSample) => void;
  /** Called at the end of every pass. Default: one `console.warn` line when anything was skipped or dropped. */
  onSummary?: (summary: PassSummary) => void;
  /**
   * Apply spec §3.2 augmentation to the tensor samples ({@link TripletDataset.samples} and batches): `true` for
   * the defaults (224 crop, seed = `seed`), or options. Raw samples are never augmented.
   */
  augment?: AugmentationOptions | boolean;
}

/** Options of one pass. */
export interface PassOptions {
  /** Epoch number: selects the shuffle permutation and the augmentation stream (default 0). */
  epoch?: number;
}

/** Options of {@link TripletDataset.batches}. */
export interface BatchOptions extends PassOptions {
  /** Drop a last batch smaller than the batch size (default false), like PyTorch's `drop_last`. */
  dropLast?: boolean;
}

/**
 * A dataset of interpolation triplets. Iterate it with `for await` to get tensor samples (epoch 0), or
 * use {@link TripletDataset.samples}, {@link TripletDataset.rawSamples} and {@link TripletDataset.batches}.
 * Every pass decodes at most `prefetch` samples ahead of the consumer.
 */
export interface TripletDataset extends AsyncIterable<TripletSample> {
  /** A short name used in messages, for example `vimeo-triplet:test`. */
  readonly name: string;
  /** Number of samples a pass yields when nothing is skipped or dropped (after `limit`); undefined for video streams. */
  readonly length: number | undefined;
  /** Sample ids in pass order for epoch 0 (after shuffle and limit); undefined for video streams. */
  readonly ids: readonly string[] | undefined;
  /** The summary of the most recent pass that ended. */
  readonly lastSummary: PassSummary | undefined;
  /** Tensor samples, [H, W, 3] float32 in [0, 1], augmented when the `augment` option is set. The caller disposes them. */
  samples(options?: PassOptions): AsyncGenerator<TripletSample, void, undefined>;
  /** 8-bit samples, never augmented: exact 0-255 values for metrics. */
  rawSamples(options?: PassOptions): AsyncGenerator<RawTriplet, void, undefined>;
  /** Batches [B, H, W, 3] stacked from {@link TripletDataset.samples}; the per-sample tensors are disposed. */
  batches(batchSize: number, options?: BatchOptions): AsyncGenerator<TripletBatch, void, undefined>;
  /** Read one sample by its position in the unshuffled list (list datasets only). Errors always throw. */
  read(index: number): Promise<RawTriplet>;
}

/** An Error about one sample, naming the file at fault. */
export class SampleError extends Error {
  /** The file (or folder) at fault. */
  readonly path: string;
  /** The id of the sample. */
  readonly sampleId: string;

  constructor(message: string, path: string, sampleId: string) {
    super(message);
    this.name = 'SampleError';
    this.path = path;
    this.sampleId = sampleId;
  }
}

/** Counters a source fills during a pass. */
interface PassStats {
  excluded: number;
  sceneCuts: Set<number>;
  droppedAtSceneCuts: number;
}

/** A sample read by a list source, with the scene cuts found inside it (frame indices). */
export interface SourceRead {
  raw: RawTriplet;
  sceneCuts?: number[];
}

/** A dataset whose samples are known up front and can be read in any order. */
export interface ListSource {
  kind: 'list';
  name: string;
  ids: readonly string[];
  /** Triplets left out at construction by `exclude` ranges. */
  excluded?: number;
  read(index: number): Promise<SourceRead>;
}

/**
 * One item of a stream source: a sample, a bad sample for the error policy, or an event to count. Events
 * travel in the stream (rather than being counted by the source) so that a pass summary counts exactly
 * what the consumer reached, not what the read-ahead decoded beyond it.
 */
export type StreamItem =
  | {raw: RawTriplet}
  | {error: SampleError}
  | {sceneCut: number}
  | {dropped: 'excluded' | 'scene-cut'};

/** A dataset read in one forward pass (video files). */
export interface StreamSource {
  kind: 'stream';
  name: string;
  open(): AsyncGenerator<StreamItem, void, undefined>;
}

/** Seed stream id of shuffling. */
const SHUFFLE_STREAM = 0x53485546;

interface Settled {
  ok: boolean;
  value?: SourceRead;
  error?: unknown;
  index: number;
}

/** Read `size` items ahead of the consumer: async generators queue `next()` calls and run them in order. */
async function* readAhead<T>(source: AsyncGenerator<T, void, undefined>, size: number): AsyncGenerator<T, void, undefined> {
  const pending: Promise<IteratorResult<T, void>>[] = [];
  const pull = () => {
    const next = source.next();
    next.catch(() => undefined); // observed below; this only silences the unhandled-rejection warning
    pending.push(next);
  };
  try {
    for (let i = 0; i < size; i++) pull();
    for (;;) {
      const result = await pending.shift()!;
      if (result.done) return;
      pull();
      yield result.value;
    }
  } finally {
    await source.return(undefined);
  }
}

function checkCount(value: number | undefined, what: string, minimum: number): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= minimum)) {
    throw new Error(`${what}: expected an integer >= ${minimum}, received ${value}`);
  }
}

function describeError(error: unknown, id: string): SkippedSample {
  if (error instanceof SampleError) return {id: error.sampleId, path: error.path, reason: error.message};
  return {id, path: id, reason: error instanceof Error ? error.message : String(error)};
}

/** Check the options every loader shares; called by each factory so that mistakes surface at once. */
export function checkLoaderOptions(options: LoaderOptions, what: string): void {
  checkCount(options.prefetch, `${what}: options.prefetch`, 1);
  checkCount(options.limit, `${what}: options.limit`, 0);
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed)) {
    throw new Error(`${what}: options.seed: expected a safe integer, received ${options.seed}`);
  }
  if (options.onError !== undefined && options.onError !== 'throw' && options.onError !== 'skip') {
    throw new Error(`${what}: options.onError: expected 'throw' or 'skip', received '${String(options.onError)}'`);
  }
}

class Dataset implements TripletDataset {
  readonly name: string;
  lastSummary: PassSummary | undefined;
  private readonly prefetch: number;
  private readonly seed: number;

  constructor(private readonly source: ListSource | StreamSource, private readonly options: LoaderOptions) {
    this.name = source.name;
    checkLoaderOptions(options, source.name);
    if (source.kind === 'stream' && options.shuffle) {
      throw new Error(`${source.name}: shuffle is not supported on a video stream (frames decode in order); ` +
          'extract the frames to a folder (ffmpeg -i video.mp4 frames/%06d.png) and use openFrameFolder, which shuffles');
    }
    this.prefetch = options.prefetch ?? 4;
    this.seed = options.seed ?? 0;
  }

  get length(): number | undefined {
    if (this.source.kind !== 'list') return undefined;
    const n = this.source.ids.length;
    return this.options.limit === undefined ? n : Math.min(n, this.options.limit);
  }

  get ids(): readonly string[] | undefined {
    if (this.source.kind !== 'list') return undefined;
    const ids = this.source.ids;
    return this.order(0).map((i) => ids[i]);
  }

  private order(epoch: number): number[] {
    const source = this.source as ListSource;
    const n = source.ids.length;
    const order = this.options.shuffle
      ? shuffledIndices(n, createRandom(deriveSeed(this.seed, SHUFFLE_STREAM, epoch)))
      : Array.from({length: n}, (_, i) => i);
    return this.options.limit === undefined ? order : order.slice(0, this.options.limit);
  }

  async read(index: number): Promise<RawTriplet> {
    if (this.source.kind !== 'list') {
      throw new Error(`${this.name}: read(index) needs random access, which a video stream does not have; iterate it instead`);
    }
    const n = this.source.ids.length;
    if (!(Number.isInteger(index) && index >= 0 && index < n)) {
      throw new Error(`${this.name}: read(index): expected an integer in [0, ${n}), received ${index}`);
    }
    return (await this.source.read(index)).raw;
  }

  async *rawSamples(options: PassOptions = {}): AsyncGenerator<RawTriplet, void, undefined> {
    const epoch = options.epoch ?? 0;
    checkCount(epoch, `${this.name}: epoch`, 0);
    const stats: PassStats = {excluded: 0, sceneCuts: new Set(), droppedAtSceneCuts: 0};
    const summary: PassSummary = {
      dataset: this.name, epoch, complete: false, yielded: 0, skipped: [], excluded: 0, sceneCuts: [], droppedAtSceneCuts: 0,
    };
    const skip = (skipped: SkippedSample) => {
      summary.skipped.push(skipped);
      if (this.options.onSkip) this.options.onSkip(skipped);
      else console.warn(`[@daek/datasets] ${this.name}: skipped ${skipped.id}: ${skipped.reason}`);
    };
    const fail = (error: unknown, id: string) => {
      if (this.options.onError === 'skip') skip(describeError(error, id));
      else throw error;
    };
    try {
      if (this.source.kind === 'list') {
        const source = this.source;
        const order = this.order(epoch);
        const pending: Promise<Settled>[] = [];
        let next = 0;
        const start = () => {
          const index = order[next++];
          pending.push(source.read(index).then((value) => ({ok: true, value, index}), (error) => ({ok: false, error, index})));
        };
        while (pending.length < this.prefetch && next < order.length) start();
        while (pending.length > 0) {
          const settled = await pending.shift()!;
          if (next < order.length) start();
          if (!settled.ok) {
            fail(settled.error, source.ids[settled.index]);
            continue;
          }
          const {raw, sceneCuts} = settled.value!;
          if (sceneCuts && sceneCuts.length > 0) {
            for (const cut of sceneCuts) stats.sceneCuts.add(cut);
            stats.droppedAtSceneCuts++;
            continue;
          }
          summary.yielded++;
          yield raw;
        }
      } else {
        const limit = this.options.limit ?? Infinity;
        if (limit > 0) {
          for await (const item of readAhead(this.source.open(), this.prefetch)) {
            if ('error' in item) {
              fail(item.error, item.error.sampleId);
              continue;
            }
            if ('sceneCut' in item) {
              stats.sceneCuts.add(item.sceneCut);
              continue;
            }
            if ('dropped' in item) {
              if (item.dropped === 'excluded') stats.excluded++;
              else stats.droppedAtSceneCuts++;
              continue;
            }
            summary.yielded++;
            yield item.raw;
            if (summary.yielded >= limit) break;
          }
        }
      }
      summary.complete = true;
    } finally {
      summary.excluded = stats.excluded + (this.source.kind === 'list' ? this.source.excluded ?? 0 : 0);
      summary.sceneCuts = [...stats.sceneCuts].sort((a, b) => a - b);
      summary.droppedAtSceneCuts = stats.droppedAtSceneCuts;
      this.lastSummary = summary;
      if (this.options.onSummary) {
        this.options.onSummary(summary);
      } else if (summary.skipped.length > 0 || summary.droppedAtSceneCuts > 0) {
        console.warn(`[@daek/datasets] ${this.name} (epoch ${epoch}): yielded ${summary.yielded}, ` +
            `skipped ${summary.skipped.length} for errors, dropped ${summary.droppedAtSceneCuts} at ` +
            `${summary.sceneCuts.length} scene cut(s)`);
      }
    }
  }

  async *samples(options: PassOptions = {}): AsyncGenerator<TripletSample, void, undefined> {
    const augmentOption = this.options.augment;
    const augment = augmentOption
      ? createAugmenter({seed: this.seed, ...(augmentOption === true ? {} : augmentOption)}, options.epoch ?? 0)
      : undefined;
    for await (const raw of this.rawSamples(options)) {
      if (!augment) {
        yield rawToSample(raw);
        continue;
      }
      // Augment the 8-bit frames, then make tensors of the crop only: one pass per frame, any backend.
      let augmented: RawTriplet;
      try {
        augmented = augment.raw(raw);
      } catch (error) {
        throw new Error(`${this.name}: cannot augment sample ${raw.id}: ${(error as Error).message}`);
      }
      yield rawToSample(augmented);
    }
  }

  async *batches(batchSize: number, options: BatchOptions = {}): AsyncGenerator<TripletBatch, void, undefined> {
    yield* batchTriplets(this.samples(options), batchSize, options);
  }

  [Symbol.asyncIterator](): AsyncIterator<TripletSample> {
    return this.samples();
  }
}

/** Wrap a source in the common loader. */
export function createDataset(source: ListSource | StreamSource, options: LoaderOptions): TripletDataset {
  return new Dataset(source, options);
}
