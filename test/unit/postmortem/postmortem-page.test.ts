/**
 * The post-mortem page in headless Chromium (Debian's `chromium`): a screenshot of the expected size that is not
 * blank, and the DOM's text with every section, the timeline's milestones in order and no PHI canary.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { postmortemHtml } from '../../../src/postmortem/html.js';
import { postmortemModel } from '../../../src/postmortem/model.js';
import { which } from '../../harness/test-prometheus.js';
import { p1, PostmortemCanaries, t } from '../../harness/postmortem-fixture.js';

const run = promisify(execFile);
const Width = 1000;
const Height = 900;

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(1, 4).toString('latin1')).to.equal('PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('postmortem: the HTML page in headless Chromium', function () {
  this.timeout(120_000);
  const chromium = which('chromium') ?? which('chromium-browser');
  let dir = '';
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', `--user-data-dir=${join(tmpdir(), 'pm-chromium-profile')}`];
  before(function () {
    if (!chromium) {
      console.log('    chromium not found (Debian package `chromium`; scripts/bootstrap.sh installs it): skipping the page checks');
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'postmortem-page-'));
    writeFileSync(join(dir, 'page.html'), postmortemHtml(postmortemModel(p1(), new Date(t(50)))));
    writeFileSync(join(dir, 'blank.html'), '<!doctype html><html><body></body></html>');
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  it('renders to a screenshot of the window\'s size, far from blank', async () => {
    const shot = async (page: string, out: string) => {
      await run(chromium!, [...flags, `--window-size=${Width},${Height}`, `--screenshot=${join(dir, out)}`, `file://${join(dir, page)}`], { timeout: 60_000 });
      return readFileSync(join(dir, out));
    };
    const png = await shot('page.html', 'page.png');
    const blank = await shot('blank.html', 'blank.png');
    expect(pngSize(png)).to.deep.equal({ width: Width, height: Height });
    expect(png.length, `page ${png.length} bytes, blank ${blank.length} bytes`).to.be.above(blank.length * 10);
  });

  it('the DOM has every section, the milestones in time order and no PHI canary', async () => {
    const { stdout: dom } = await run(chromium!, [...flags, '--dump-dom', `file://${join(dir, 'page.html')}`], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
    const headings = [...dom.matchAll(/<h2>([^<]+)<\/h2>/g)].map((m) => m[1]);
    expect(headings).to.deep.equal(['Summary', 'Impact', 'Timeline', 'Evidence', 'What was automated', 'What people did', 'Follow-ups']);
    const labels = [...dom.matchAll(/class="milestone" data-label="([^"]+)" data-time="([^"]+)"/g)];
    expect(labels.map((m) => m[1])).to.deep.equal(['Detected', 'Diagnosed', 'Rollback intended', 'Rolled back', 'Monitoring started', 'Acknowledged', 'Resolved']);
    const times = labels.map((m) => Date.parse(m[2] ?? ''));
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    expect(dom).to.include('Time to acknowledge: 7m 30s.');
    expect(dom).to.include('+42m 00s');
    for (const v of Object.values(PostmortemCanaries)) expect(dom, v).to.not.include(v);
  });
});
