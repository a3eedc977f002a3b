import {describe, expect, it} from '@jest/globals';
import {DAEK} from './daek.js';
import {DAEK_PRESETS, resolveDaekConfig, type DaekConfig, type TeacherKind} from './presets.js';
import {fixtureCase} from '../test/fixture.js';

interface CountCase {
  total: number;
  student: number;
  teacher: number;
  modules: Record<string, number>;
  student_inference_needed?: number;
}

const c = fixtureCase('daek', 'param_counts');
const configs = (c.params as {configs: Record<string, {daek_kwargs_overrides: Record<string, unknown>}>}).configs;
const expected = c.scalar_outputs as unknown as Record<string, CountCase>;

/** The fixture's sketch kwargs as our config overrides. */
function overridesFromKwargs(kwargs: Record<string, unknown>): Partial<DaekConfig> {
  const out: Partial<DaekConfig> = {};
  if ('feat_ch' in kwargs) out.featChannels = kwargs.feat_ch as number;
  if ('use_mrb' in kwargs) out.useMrb = kwargs.use_mrb as boolean;
  if ('use_ca' in kwargs) out.useCa = kwargs.use_ca as boolean;
  if ('use_sfa' in kwargs) out.useSfa = kwargs.use_sfa as boolean;
  if ('teacher' in kwargs) out.teacher = (kwargs.teacher ?? 'none') as TeacherKind;
  return out;
}

/** Which preset reproduces each fixture configuration. */
const PRESET_OF: Record<string, string> = {
  'Baseline': 'baseline', 'DAEK-F-CA': 'daek-f-ca', 'DAEK-F-SFA': 'daek-f-sfa', 'DAEK-F-DA': 'daek-f-da',
  'DAEK-DA': 'daek-da', 'DAEK w/o distill': 'daek-no-distill', 'DAEK w/ RT': 'daek-rt', 'DAEK w/ OT': 'daek-ot',
  'RIFE w/ OT': 'rife-ot', 'Baseline-alt (A15-alt)': 'baseline-alt',
};

it('a real model counts the same as a shapes-only one', () => {
  const model = new DAEK(resolveDaekConfig('daek-f-ca'));
  expect(model.parameterCount()).toEqual(DAEK.countParameters(resolveDaekConfig('daek-f-ca')));
  model.dispose();
});

describe('parameter table of every ablation configuration (fixture `param_counts`, exact)', () => {
  it('every fixture configuration has a preset, and every preset is in the fixture, the final model or daek-s', () => {
    expect(Object.keys(configs).sort()).toEqual(Object.keys(PRESET_OF).sort());
    // daek-s is this project's CPU-trainable width, not a paper configuration (its own test is below).
    for (const p of DAEK_PRESETS) expect([...Object.values(PRESET_OF), 'daek', 'daek-s']).toContain(p.name);
  });
  for (const [name, kwargs] of Object.entries(configs)) {
    it(`${name}: total, student, teacher and per-module counts`, () => {
      const fromKwargs = resolveDaekConfig('daek', overridesFromKwargs(kwargs.daek_kwargs_overrides));
      expect(resolveDaekConfig(PRESET_OF[name])).toEqual(fromKwargs);
      {
        const counts = DAEK.countParameters(fromKwargs);
        const want = expected[name]!;
        expect({total: counts.total, student: counts.student, teacher: counts.teacher})
          .toEqual({total: want.total, student: want.student, teacher: want.teacher});
        for (const [module, n] of Object.entries(want.modules)) {
          if (module === 'mrb') continue; // the sum of mrb.0-2, which are checked one by one
          expect([module, counts.modules[module]]).toEqual([module, n]);
        }
        if (want.student_inference_needed) expect(counts.inference).toBe(want.student_inference_needed);
      }
    });
  }
});

describe('daek-s', () => {
  it('keeps every DAEK module (MEBs with features, both encoders, three MRBs, the OT teacher, synthesis) at narrower widths', () => {
    const small = resolveDaekConfig('daek-s');
    const full = resolveDaekConfig('daek');
    expect({...small, mebWidths: 0, teacherWidth: 0, featChannels: 0, fnetDim: 0, cnetDim: 0, encoderWidths: 0, synthesisWidth: 0, mrb: 0})
      .toEqual({...full, mebWidths: 0, teacherWidth: 0, featChannels: 0, fnetDim: 0, cnetDim: 0, encoderWidths: 0, synthesisWidth: 0, mrb: 0});
    expect(small.featChannels).toBeGreaterThan(0);
    const counts = DAEK.countParameters(small);
    const fullCounts = DAEK.countParameters(full);
    expect(Object.keys(counts.modules).sort()).toEqual(Object.keys(fullCounts.modules).sort());
    for (const [module, n] of Object.entries(counts.modules)) {
      expect([module, n > 0, n < fullCounts.modules[module]!]).toEqual([module, true, true]);
    }
    expect(counts.total).toBe(counts.student + counts.teacher);
    expect(counts.total).toBeLessThan(fullCounts.total / 9);
  });

  it('a real daek-s counts the same as a shapes-only one, and overrides of its MRB widths merge over the preset', () => {
    const model = new DAEK(resolveDaekConfig('daek-s'));
    expect(model.parameterCount()).toEqual(DAEK.countParameters(resolveDaekConfig('daek-s')));
    model.dispose();
    expect(resolveDaekConfig('daek-s', {mrb: {hidden: 40} as DaekConfig['mrb']}).mrb)
      .toEqual({...resolveDaekConfig('daek-s').mrb, hidden: 40});
  });
});
