// A small seeded generator (xoshiro128**, seeded through a splitmix-style mixer) so that shuffles,
// augmentation and synthetic scenes are reproducible bit for bit on every platform: it uses only
// 32-bit integer arithmetic (Math.imul, shifts), which JavaScript defines exactly.

/** A seeded stream of pseudo-random numbers. Same seed, same stream, on every machine. */
export interface Random {
  /** The next 32-bit unsigned integer. */
  nextUint32(): number;
  /** A float in [0, 1) with 32 bits of resolution. */
  uniform(): number;
  /** A float in [low, high). */
  range(low: number, high: number): number;
  /** An integer in [low, high) (high exclusive), like numpy's `randint(low, high)`. */
  integer(low: number, high: number): number;
}

/** murmur3's 32-bit finaliser: a bijective mixer, so distinct inputs stay distinct. */
function mix32(value: number): number {
  let z = value | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function checkSeedPart(part: number, what: string): void {
  if (!Number.isSafeInteger(part)) {
    throw new Error(`${what}: expected a safe integer seed, received ${part}`);
  }
}

/**
 * Combine integers into one 32-bit seed, so that independent streams can be derived from a user seed
 * (for example `deriveSeed(seed, SAMPLE_STREAM, index)`). Every part must be a safe integer; negative
 * values and values above 2^32 are allowed and all distinct values give distinct inputs to the mixer.
 */
export function deriveSeed(...parts: number[]): number {
  let h = 0x2545f491;
  for (const part of parts) {
    checkSeedPart(part, 'deriveSeed');
    const low = part >>> 0;
    const high = Math.floor(part / 0x100000000) | 0;
    h = mix32(h ^ low);
    h = mix32((h + 0x9e3779b9) ^ high);
  }
  return h;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Create a seeded generator (xoshiro128**). The four state words come from the seed through a
 * splitmix-style sequence, so seeds 0, 1, 2 ... give unrelated streams.
 *
 * @param seed any safe integer.
 */
export function createRandom(seed: number): Random {
  checkSeedPart(seed, 'createRandom');
  let counter = deriveSeed(seed);
  const nextSeedWord = () => {
    counter = (counter + 0x9e3779b9) | 0;
    return mix32(counter);
  };
  let s0 = nextSeedWord(), s1 = nextSeedWord(), s2 = nextSeedWord(), s3 = nextSeedWord();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is the one fixed point
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
  const uniform = () => nextUint32() / 0x100000000;
  return {
    nextUint32,
    uniform,
    range: (low, high) => low + (high - low) * uniform(),
    integer: (low, high) => {
      if (!(Number.isSafeInteger(low) && Number.isSafeInteger(high) && high > low)) {
        throw new Error(`Random.integer: expected integers low < high, received [${low}, ${high})`);
      }
      return low + Math.floor(uniform() * (high - low));
    },
  };
}

/** Fisher-Yates shuffle of `0..length-1` driven by `random`. */
export function shuffledIndices(length: number, random: Random): number[] {
  const order = Array.from({length}, (_, i) => i);
  for (let i = length - 1; i > 0; i--) {
    const j = random.integer(0, i + 1);
    const tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  return order;
}
