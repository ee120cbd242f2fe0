// The schemas compiled ahead of time (z.compile) answer as the runtime parser does: the same
// success, the same data and the same issues (with the error map the admission checks pass,
// STRUCTURAL_PARSE of webhooks/check-webapp.ts), for hostile WebApps and AdmissionReviews. And
// they are compiled: zod hands a schema it cannot compile back unchanged, which would keep every
// answer right and quietly lose the speed.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { z } from 'zod';
import {
  compiledAdmissionReviewRequestSchema,
  admissionReviewRequestSchema,
} from '../../../src/admission/admission-review.ts';
import { compiledWebAppSchema, webAppSchema } from '../../../src/api/webapp.ts';
import { STRUCTURAL_PARSE } from '../../../webhooks/check-webapp.ts';
import { admissionReview, webApp } from '../../helpers/hostile-admission.ts';

/** What a caller can see of a parse: success, data, and each issue's code, path and message. */
function outcome(result: z.ZodSafeParseResult<unknown>) {
  if (result.success) return { success: true, data: result.data };
  return {
    success: false,
    issues: result.error.issues.map(({ code, path, message }) => ({ code, path, message })),
  };
}

t.test('both schemas compile (zod would otherwise hand them back unchanged)', async (t) => {
  t.not(compiledWebAppSchema, webAppSchema);
  t.not(compiledAdmissionReviewRequestSchema, admissionReviewRequestSchema);
  t.doesNotThrow(() => z.compile(webAppSchema, { strict: true }));
  t.doesNotThrow(() => z.compile(admissionReviewRequestSchema, { strict: true }));
});

/** Runs `property` on 2,000 values; one assertion with fast-check's report of the first mismatch. */
function agree<T>(t: Test, arbitrary: fc.Arbitrary<T>, runtime: (v: T) => unknown, compiled: (v: T) => unknown) {
  let valid = 0;
  const result = fc.check(
    fc.property(arbitrary, (value) => {
      const expected = runtime(value);
      if ((expected as { success: boolean }).success) valid++;
      return isDeepStrictEqual(compiled(value), expected);
    }),
    { numRuns: 2000 },
  );
  t.notOk(result.failed, fc.defaultReportMessage(result) ?? 'agree');
  // The arbitrary reaches both sides: valid values take the compiled path, invalid ones fall back.
  t.ok(valid > 100 && valid < 1900, `${valid} of 2000 valid`);
}

t.test('the compiled WebApp schema gives the runtime parser its answers', async (t) => {
  agree(
    t,
    webApp,
    (object) => outcome(webAppSchema.safeParse(object, STRUCTURAL_PARSE)),
    (object) => outcome(compiledWebAppSchema.safeParse(object, STRUCTURAL_PARSE)),
  );
});

t.test('the compiled AdmissionReview schema gives the runtime parser its answers', async (t) => {
  agree(
    t,
    admissionReview,
    (review) => outcome(admissionReviewRequestSchema.safeParse(review)),
    (review) => outcome(compiledAdmissionReviewRequestSchema.safeParse(review)),
  );
});

t.test("the compiled schemas' validate(), which builds no copy, accepts exactly what a parse accepts", async (t) => {
  agree(
    t,
    webApp,
    (object) => ({ success: webAppSchema.safeParse(object).success }),
    (object) => ({ success: compiledWebAppSchema.validate(object) }),
  );
  agree(
    t,
    admissionReview,
    (review) => ({ success: admissionReviewRequestSchema.safeParse(review).success }),
    (review) => ({ success: compiledAdmissionReviewRequestSchema.validate(review) }),
  );
});

t.test('a parse builds fresh data: the compiled parser does not hand back its input', async (t) => {
  const object = { apiVersion: 'shipshape.dev/v1', kind: 'WebApp', metadata: { name: 'web' }, spec: { image: 'a' } };
  const parsed = compiledWebAppSchema.parse(object);
  t.strictSame(parsed, object);
  t.not(parsed.spec, object.spec);
});
