// Sine and cosine from + - * / and Math.round only. Those are exactly specified by IEEE 754 and
// ECMAScript, whereas Math.sin may differ between engines, so synthetic scenes stay byte-identical
// wherever they are rendered.

// Bound once: in a vm context (jest) every lookup of a global such as `Math` is slow.
const {round} = Math;
const PI = 3.141592653589793;
const HALF_PI = 1.5707963267948966;
const TWO_PI = 6.283185307179586;

/** sin(x): reduced to [-pi/2, pi/2], then the Taylor series to x^17 (error below 1e-13 there). */
export function sine(x: number): number {
  let r = x - TWO_PI * round(x / TWO_PI);
  if (r > HALF_PI) r = PI - r;
  else if (r < -HALF_PI) r = -PI - r;
  const r2 = r * r;
  return r * (1 + r2 * (-1 / 6 + r2 * (1 / 120 + r2 * (-1 / 5040 + r2 * (1 / 362880 + r2 * (-1 / 39916800 +
      r2 * (1 / 6227020800 + r2 * (-1 / 1307674368000 + r2 * (1 / 355687428096000)))))))));
}

/** cos(x) = sin(x + pi/2). */
export function cosine(x: number): number {
  return sine(x + HALF_PI);
}
