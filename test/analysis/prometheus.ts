// A real Prometheus server for tests: series written as OpenMetrics with timestamps, loaded with
// `promtool tsdb create-blocks-from openmetrics`, then `prometheus` started on 127.0.0.1 with a
// temporary data directory, and stopped by PID. Debian's package installs both binaries in
// /usr/bin (`.ci/run` installs it when missing).
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** Finds a binary on PATH or in /usr/bin. */
export function binary(name: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/local/bin']) {
    const full = path.join(dir, name);
    if (dir && fs.existsSync(full)) return full;
  }
  throw new Error(`${name} not found on PATH or in /usr/bin; install Debian's prometheus package (apt-get install -y prometheus)`);
}

/** One sample: metric name with labels, value, time in seconds. */
export interface Sample {
  readonly series: string;
  readonly value: number;
  readonly time: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export class PrometheusServer {
  /** Writes `samples` (grouped by metric family in `types`), loads them and starts Prometheus. */
  public static async start(types: { [family: string]: string }, samples: Sample[]): Promise<PrometheusServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-canary-prometheus-'));
    const data = path.join(dir, 'data');
    // OpenMetrics: each family's samples together, after its TYPE line, in time order per series.
    const lines: string[] = [];
    for (const [family, type] of Object.entries(types)) {
      lines.push(`# TYPE ${family} ${type}`);
      const mine = samples.filter(s => s.series.startsWith(family) && (s.series[family.length] === '_' || s.series[family.length] === '{'));
      mine.sort((a, b) => a.series.localeCompare(b.series) || a.time - b.time);
      for (const s of mine) lines.push(`${s.series} ${s.value} ${s.time}`);
    }
    lines.push('# EOF');
    const file = path.join(dir, 'series.om');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    execFileSync(binary('promtool'), ['tsdb', 'create-blocks-from', 'openmetrics', file, data], { stdio: 'pipe' });
    const config = path.join(dir, 'prometheus.yml');
    fs.writeFileSync(config, 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
    const port = await freePort();
    const child = spawn(binary('prometheus'), [
      `--config.file=${config}`,
      `--storage.tsdb.path=${data}`,
      // The samples are old: keep every block.
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=127.0.0.1:${port}`,
      '--query.lookback-delta=5m',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', d => { log = (log + d.toString()).slice(-4000); });
    const server = new PrometheusServer(`http://127.0.0.1:${port}`, child, dir);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log}`);
      try {
        const r = await fetch(`${server.url}/-/ready`, { signal: AbortSignal.timeout(1000) });
        if (r.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`prometheus not ready within 30 s:\n${log}`);
      }
      await new Promise(r => setTimeout(r, 100));
    }
    return server;
  }

  private constructor(public readonly url: string, private readonly child: ChildProcess, private readonly dir: string) {}

  /** Stops the server by its PID and removes its data. */
  public async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      const exited = new Promise(r => this.child.once('exit', r));
      process.kill(this.child.pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise(r => { timer = setTimeout(r, 10_000); })]);
      clearTimeout(timer);
      if (this.child.exitCode === null) process.kill(this.child.pid, 'SIGKILL');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
