import { expect } from 'chai';
import { activeMaintenanceWindow, isWindowActive, parseMaintenanceWindows, suppression } from '../../../src/decide/maintenance-window.js';

describe('decide/maintenance-window', () => {
  it('explicit ranges: [start, end)', () => {
    const { windows, errors } = parseMaintenanceWindows([{ name: 'freeze', start: '2026-12-24T00:00:00Z', end: '2026-12-27T00:00:00Z' }]);
    expect(errors).to.deep.equal([]);
    expect(isWindowActive(windows[0]!, new Date('2026-12-24T00:00:00Z'))).to.equal(true);
    expect(isWindowActive(windows[0]!, new Date('2026-12-26T23:59:59Z'))).to.equal(true);
    expect(isWindowActive(windows[0]!, new Date('2026-12-27T00:00:00Z'))).to.equal(false);
  });

  it('weekly windows in a time zone, across DST (Intl)', () => {
    const w = parseMaintenanceWindows('[{"timeZone":"America/New_York","days":["Sun"],"from":"01:00","to":"04:00"}]').windows[0]!;
    // Sunday 2026-03-08 is the spring-forward day: 02:00 EST → 03:00 EDT.
    expect(isWindowActive(w, new Date('2026-03-08T06:30:00Z'))).to.equal(true); // 01:30 EST
    expect(isWindowActive(w, new Date('2026-03-08T07:30:00Z'))).to.equal(true); // 03:30 EDT
    expect(isWindowActive(w, new Date('2026-03-08T08:30:00Z'))).to.equal(false); // 04:30 EDT
    expect(isWindowActive(w, new Date('2026-03-09T06:30:00Z'))).to.equal(false); // Monday
    const berlin = parseMaintenanceWindows([{ timeZone: 'Europe/Berlin', days: ['Tue'], from: '07:00', to: '08:00' }]).windows[0]!;
    expect(isWindowActive(berlin, new Date('2026-12-01T06:30:00Z'))).to.equal(true); // 07:30 CET
    expect(isWindowActive(berlin, new Date('2026-12-01T07:30:00Z'))).to.equal(false);
  });

  it('malformed windows are reported and never active', () => {
    const r = parseMaintenanceWindows([{ start: 'soon', end: 'later' }, { timeZone: 'Mars/Olympus', days: ['Mon'], from: '01:00', to: '02:00' }, { timeZone: 'UTC', days: ['Mon'], from: '05:00', to: '04:00' }, 7]);
    expect(r.windows).to.deep.equal([]);
    expect(r.errors).to.have.length(4);
    expect(parseMaintenanceWindows('{nope').errors).to.deep.equal(['not valid JSON']);
    expect(parseMaintenanceWindows(undefined)).to.deep.equal({ windows: [], errors: [] });
  });

  it('first active of policy then namespace; suppression: never act, page P0 only when allowed', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const policy = [{ name: 'past', start: '2026-11-01T00:00:00Z', end: '2026-11-02T00:00:00Z' }];
    const ns = JSON.stringify([{ name: 'deploy freeze', start: '2026-12-01T11:00:00Z', end: '2026-12-01T13:00:00Z', pageP0: true }]);
    const d = activeMaintenanceWindow([policy, ns], now);
    expect(d.active?.name).to.equal('deploy freeze');
    expect(suppression(d.active, 'P0')).to.deep.equal({ act: false, page: true });
    expect(suppression(d.active, 'P1')).to.deep.equal({ act: false, page: false });
    expect(suppression({ ...d.active, pageP0: false }, 'P0')).to.deep.equal({ act: false, page: false });
    expect(suppression(undefined, 'P3')).to.deep.equal({ act: true, page: true });
    expect(activeMaintenanceWindow([policy], now).active).to.equal(undefined);
  });
});
