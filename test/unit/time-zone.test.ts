import { expect } from 'chai';
import { isTimeZone, localMidnight, localParts, offsetSegments } from '../../shared/domain/time-zone.js';

describe('time zones for reports', () => {
  it('when a day starts in New York in winter and in summer, then local midnight is 05:00 and 04:00 UTC', () => {
    expect(new Date(localMidnight('2026-01-15', 'America/New_York')).toISOString()).to.equal('2026-01-15T05:00:00.000Z');
    expect(new Date(localMidnight('2026-07-15', 'America/New_York')).toISOString()).to.equal('2026-07-15T04:00:00.000Z');
  });

  it('when the zone is half an hour off UTC, then midnight and local dates follow it', () => {
    expect(new Date(localMidnight('2026-11-20', 'Asia/Kolkata')).toISOString()).to.equal('2026-11-19T18:30:00.000Z');
    expect(localParts(Date.parse('2026-11-19T18:29:00Z'), 'Asia/Kolkata')).to.deep.equal({ date: '2026-11-19', hour: '23' });
    expect(localParts(Date.parse('2026-11-19T18:30:00Z'), 'Asia/Kolkata')).to.deep.equal({ date: '2026-11-20', hour: '00' });
  });

  it('when the name is not an IANA zone, then it is refused', () => {
    expect(isTimeZone('Europe/Berlin')).to.equal(true);
    expect(isTimeZone('Mars/Olympus')).to.equal(false);
  });

  it('when a range crosses daylight saving changes, then its offset segments end at the changes, to the minute', () => {
    const from = Date.parse('2026-03-01T00:00:00Z');
    const to = Date.parse('2026-12-01T00:00:00Z');
    expect(offsetSegments('America/New_York', from, to)).to.deep.equal([
      { until: Date.parse('2026-03-08T07:00:00Z'), offsetMs: -5 * 3_600_000 },
      { until: Date.parse('2026-11-01T06:00:00Z'), offsetMs: -4 * 3_600_000 },
      { until: null, offsetMs: -5 * 3_600_000 },
    ]);
    expect(offsetSegments('Asia/Kolkata', from, to)).to.deep.equal([{ until: null, offsetMs: 5.5 * 3_600_000 }]);
    expect(offsetSegments('UTC', from, from + 1000)).to.deep.equal([{ until: null, offsetMs: 0 }]);
  });
});
