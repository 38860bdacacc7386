import { Duration } from 'cdk8s';
import { FaultInjection } from '../../src';

describe('FaultInjection', () => {
  test('delay fills in 100 percent and keeps the delay', () => {
    // WHEN
    const f = FaultInjection.delay({ fixedDelay: Duration.seconds(7) });
    // THEN
    expect([f.injectedDelay?.fixedDelay.toSeconds(), f.injectedDelay?.percent, f.injectedAbort]).toEqual([7, 100, undefined]);
    expect(f.toString()).toBe('delay 7000ms for 100% of requests');
  });

  test('abort keeps status and percent', () => {
    const f = FaultInjection.abort({ httpStatus: 503, percent: 12.5 });
    expect([f.injectedDelay, f.injectedAbort]).toEqual([undefined, { httpStatus: 503, percent: 12.5 }]);
  });

  test('delayAndAbort keeps both, each with its own percent', () => {
    const f = FaultInjection.delayAndAbort({ fixedDelay: Duration.millis(300), percent: 50 }, { httpStatus: 500, percent: 0 });
    expect(f.toString()).toBe('delay 300ms for 50% of requests and abort with 500 for 0% of requests');
  });

  test('accepts the edges Istio accepts: status 200 and 599, percent 0.0001 and 100', () => {
    expect(FaultInjection.abort({ httpStatus: 200, percent: 0.0001 }).injectedAbort?.percent).toBe(0.0001);
    expect(FaultInjection.abort({ httpStatus: 599, percent: 100 }).injectedAbort?.httpStatus).toBe(599);
  });

  describe('rejects bad input with the factory, prop, value and what is allowed', () => {
    test.each<[string, () => unknown, string]>([
      ['fails on a delay that is not an object', () => FaultInjection.delay(undefined as any), 'FaultInjection.delay: delay must be an object with fixedDelay and percent, got undefined'],
      ['fails on a zero delay', () => FaultInjection.delay({ fixedDelay: Duration.millis(0) }), 'FaultInjection.delay: fixedDelay must be at least 1ms, got 0ms'],
      ['fails on a missing delay', () => FaultInjection.delay({} as any), 'FaultInjection.delay: fixedDelay must be a Duration (e.g. Duration.seconds(2)), got undefined'],
      [
        'fails on a delay of 300 years',
        () => FaultInjection.delay({ fixedDelay: Duration.days(300 * 365) }),
        'FaultInjection.delay: fixedDelay must be at most 9223372036854ms (about 292 years',
      ],
      ['fails on a delay percent over 100', () => FaultInjection.delay({ fixedDelay: Duration.seconds(1), percent: 101 }), 'FaultInjection.delay: delay percent must be 0 or a number from 0.0001 to 100, got 101'],
      [
        'fails on a percent Istio cannot represent (under 0.0001)',
        () => FaultInjection.abort({ httpStatus: 503, percent: 0.00001 }),
        'FaultInjection.abort: abort percent must be 0 or a number from 0.0001 to 100, got 0.00001',
      ],
      ['fails on a negative abort percent', () => FaultInjection.abort({ httpStatus: 503, percent: -1 }), 'FaultInjection.abort: abort percent must be 0 or a number from 0.0001 to 100, got -1'],
      ['fails on an abort that is not an object', () => FaultInjection.abort(null as any), 'FaultInjection.abort: abort must be an object with httpStatus and percent, got null'],
      ['fails on a status under 200', () => FaultInjection.abort({ httpStatus: 199 }), 'FaultInjection.abort: httpStatus must be an integer from 200 to 599, got 199'],
      ['fails on a status over 599', () => FaultInjection.abort({ httpStatus: 600 }), 'FaultInjection.abort: httpStatus must be an integer from 200 to 599, got 600'],
      ['fails on a status given as a string', () => FaultInjection.abort({ httpStatus: '503' as any }), 'FaultInjection.abort: httpStatus must be an integer from 200 to 599, got "503"'],
      [
        'fails on a bad abort given with a delay',
        () => FaultInjection.delayAndAbort({ fixedDelay: Duration.seconds(1) }, { httpStatus: 42 }),
        'FaultInjection.delayAndAbort: httpStatus must be an integer from 200 to 599, got 42',
      ],
    ])('%s', (_, make, message) => {
      expect(make).toThrow(message);
    });
  });
});
