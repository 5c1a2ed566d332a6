/**
 * The delivery count /healthz reports: a rolling 24 hours (hourly buckets), one warning per crossing.
 */
import { DeliveryMeter } from '../../salesforce/deliveryMeter';
import { RecordingLog } from '../harness/recordingLog';

const HOUR = 3_600_000;

describe('DeliveryMeter', () => {
  it('counts the last 24 hours only and warns once each time the share is reached', () => {
    const log = new RecordingLog();
    const clock = { now: Date.UTC(2026, 11, 1, 0, 30) };
    const meter = new DeliveryMeter({ perDay: 100, warnShare: 0.5 }, log, () => clock.now);
    meter.delivered(30);
    clock.now += 2 * HOUR;
    meter.delivered(20);
    expect(meter.report()).toMatchObject({ last24h: 50, total: 50, usedShare: 0.5, warning: true });
    meter.delivered(5);
    expect(log.entries.filter((e) => e.level === 'warn')).toHaveLength(1);

    clock.now += 23 * HOUR; // the first 30 are older than 24 hours now
    expect(meter.report()).toMatchObject({ last24h: 25, total: 55, warning: false });
    meter.delivered(30);
    expect(meter.report()).toMatchObject({ last24h: 55, warning: true });
    expect(log.entries.filter((e) => e.level === 'warn')).toHaveLength(2);
  });
});
