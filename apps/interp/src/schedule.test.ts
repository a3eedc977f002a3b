import {parseRational, rational} from './rational.js';
import {buildSchedule, classifyTiming} from './schedule.js';

describe('parseRational', () => {
  it('reads integers, ratios and decimals exactly', () => {
    expect(parseRational('60', '--fps')).toEqual({num: 60, den: 1});
    expect(parseRational('60000/1001', '--fps')).toEqual({num: 60000, den: 1001});
    expect(parseRational('59.94', '--fps')).toEqual({num: 2997, den: 50});
    expect(parseRational('30000/1001', 'x')).toEqual(rational(30000, 1001));
  });
  it('names the flag on bad input', () => {
    expect(() => parseRational('fast', '--fps')).toThrow(/--fps: expected a positive rate/);
    expect(() => parseRational('0', '--fps')).toThrow(/positive/);
    expect(() => parseRational('60/0', '--fps')).toThrow(/positive/);
  });
});

describe('buildSchedule (constant rate)', () => {
  it('--multi k gives k·N frames at k times the rate, the last frame held', () => {
    const s = buildSchedule({kind: 'constant', rate: rational(25), count: 10}, {multi: 3});
    expect(s.count).toBe(30);
    expect(s.rate).toEqual({num: 75, den: 1});
    expect([0, 1, 2, 3, 4].map((j) => s.source(j))).toEqual([
      {pair: 0, t: 0}, {pair: 0, t: 1 / 3}, {pair: 0, t: 2 / 3}, {pair: 1, t: 0}, {pair: 1, t: 1 / 3}]);
    expect([27, 28, 29].map((j) => s.source(j))).toEqual([{pair: 9, t: 0}, {pair: 9, t: 0}, {pair: 9, t: 0}]);
  });

  it('25 -> 60 fps: round(duration·60) frames, frame j at j/60 s', () => {
    const s = buildSchedule({kind: 'constant', rate: rational(25), count: 10}, {fps: rational(60)});
    expect(s.count).toBe(24); // 0.4 s · 60
    for (let j = 0; j < s.count; j++) {
      const {pair, t} = s.source(j);
      const time = j / 60;
      if (pair < 9) expect((pair + t) / 25).toBeCloseTo(time, 12);
      else expect(time).toBeGreaterThanOrEqual(9 / 25 - 1e-12);
    }
    // 60/25 = 12/5: every 12th output frame lands exactly on an input frame (every 5th).
    expect(s.source(12)).toEqual({pair: 5, t: 0});
    expect(s.source(5)).toEqual({pair: 2, t: 5 / 60});
    expect(s.source(1)).toEqual({pair: 0, t: 25 / 60});
  });

  it('NTSC rates stay exact over long clips', () => {
    const s = buildSchedule({kind: 'constant', rate: rational(24000, 1001), count: 100000}, {fps: rational(60000, 1001)});
    expect(s.count).toBe(250000);
    expect(s.source(249995)).toEqual({pair: 99998, t: 0});
    expect(s.source(249996)).toEqual({pair: 99998, t: 0.4});
  });
});

describe('buildSchedule (variable rate)', () => {
  it('maps output times to pairs through the timestamps', () => {
    const times = [0, 0.04, 0.08, 0.2, 0.24]; // a 0.12 s gap between frames 2 and 3
    const s = buildSchedule({kind: 'variable', times, lastDuration: 0.04}, {fps: rational(50)});
    expect(s.duration).toBeCloseTo(0.28, 12);
    expect(s.count).toBe(14);
    expect(s.source(4)).toEqual({pair: 2, t: 0});
    expect(s.source(5).pair).toBe(2);
    expect(s.source(5).t).toBeCloseTo(0.02 / 0.12, 12);
    expect(s.source(10)).toEqual({pair: 3, t: 0});
    expect(s.source(13)).toEqual({pair: 4, t: 0});
  });

  it('classifyTiming tells constant from variable spacing', () => {
    expect(classifyTiming([0, 0.04, 0.08, 0.12], rational(25), 1 / 12800).kind).toBe('constant');
    const v = classifyTiming([1, 1.04, 1.2, 1.24], rational(25), 1 / 12800);
    expect(v).toEqual({kind: 'variable', times: [0, 0.040000000000000036, 0.19999999999999996, 0.24], lastDuration: 0.04});
  });
});
