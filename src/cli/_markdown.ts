// Markdown reports for pull-request comments: `check --format markdown` (verdict, findings with
// their fix, the traffic diff and its Mermaid charts, in one comment) and `diff --format
// markdown`. Everything read from YAML is hostile: names, cohorts and messages are escaped so
// that they cannot close a table cell, a code span or a fenced block, inject HTML or mention
// anyone; the comment stays under GitHub's 65,536-character limit.
import { Severity } from '../analyzer/finding';
import type { CohortDiff, HostTrafficDiff, TrafficDiffResult } from '../gitops/traffic-diff';
import { changeText, CohortChange, shareText } from '../gitops/traffic-diff';
import type { TransitionReport } from '../gitops/transition-check';

/** The first line of every report: a workflow finds and updates its earlier comment by it. */
export const CHECK_MARKER = '<!-- cdk8s-canary check -->';
export const DIFF_MARKER = '<!-- cdk8s-canary diff -->';

/** GitHub rejects longer comments (65,536 characters); keep room for the truncation note. */
const MAX_LENGTH = 60_000;
/** Mermaid charts drawn at most (one per host that changes). */
const MAX_CHARTS = 10;

/** Text with every Markdown and HTML special character neutralized, on one line. */
export function mdText(s: string): string {
  return s.replace(/\r?\n|\r/g, ' ')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+\-.!|~@:]/g, c => `\\${c}`);
}

/** A code span holding `s` verbatim (one line), safe inside a table cell. */
export function mdCode(s: string): string {
  const text = s.replace(/\r?\n|\r/g, ' ');
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map(r => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ') && text.trim() !== '') ? ' ' : '';
  // GFM splits table cells on every unescaped pipe, code spans included.
  return `${fence}${pad}${text.replace(/\|/g, '\\|')}${pad}${fence}`;
}

/** A fenced block of `info` holding `body`, with a fence longer than any backtick run inside. */
export function mdFence(info: string, body: string): string {
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map(r => r.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${body}\n${fence}`;
}

function cohortCell(c: CohortDiff): string {
  return mdCode(c.isDefault ? `default (${c.cohort})` : c.cohort);
}

/** The traffic diff: a table of the cohorts that change, each host's summary, Mermaid charts. */
function diffSection(result: TrafficDiffResult): string[] {
  const changed = result.hosts.filter(h => h.cohorts.some(c => c.change !== CohortChange.UNCHANGED));
  const unchanged = result.hosts.length - changed.length;
  const lines: string[] = [];
  if (result.hosts.length === 0) return ['No routing in either output.'];
  if (changed.length === 0) return [`No traffic moves: ${result.hosts.length} host(s), every cohort unchanged.`];
  lines.push('| host | cohort | before | after | change |', '|---|---|---|---|---|');
  for (const h of changed) {
    for (const c of h.cohorts.filter(x => x.change !== CohortChange.UNCHANGED)) {
      lines.push(`| ${mdCode(h.host)} | ${cohortCell(c)} | ${mdCode(shareText(c.before, c.mirrorBefore))} | ${mdCode(shareText(c.after, c.mirrorAfter))} | ${mdText(changeText(c))} |`);
    }
  }
  const unchangedCohorts = changed.reduce((n, h) => n + h.cohorts.filter(c => c.change === CohortChange.UNCHANGED).length, 0);
  const rest = [unchangedCohorts ? `${unchangedCohorts} unchanged cohort(s) of these hosts` : '', unchanged ? `${unchanged} host(s) without changes` : ''].filter(Boolean);
  if (rest.length) lines.push('', `Not listed: ${rest.join('; ')}.`);
  lines.push('', ...changed.map(h => `- ${mdText(h.summary)}`));
  for (const h of changed.slice(0, MAX_CHARTS)) lines.push('', `**${mdText(h.host)}**`, '', mdFence('mermaid', h.mermaid));
  if (changed.length > MAX_CHARTS) lines.push('', `Charts of ${changed.length - MAX_CHARTS} more host(s): \`cdk8s-canary diff --mermaid\`.`);
  return lines;
}

function notModelled(warnings: Array<{ source: string; message: string }>): string[] {
  if (warnings.length === 0) return [];
  return ['', `<details><summary>Not modelled (${warnings.length})</summary>`, '',
    ...warnings.map(w => `- ${mdText(w.source)}: ${mdText(w.message)}`), '', '</details>'];
}

/** Cuts a report that would exceed GitHub's comment limit, at a line, and says where to read the rest. */
function fit(lines: string[], command: string): string {
  const text = lines.join('\n');
  if (text.length <= MAX_LENGTH) return text;
  const cut = text.lastIndexOf('\n', MAX_LENGTH);
  let head = text.slice(0, cut);
  // An open fenced block would swallow the note: count the fences kept.
  if ((head.match(/^`{3,}/gm) ?? []).length % 2 === 1) head = head.slice(0, head.lastIndexOf('\n```'));
  return `${head}\n\n**The report is cut here** (GitHub's comment size limit): run \`cdk8s-canary ${command}\` for all of it.`;
}

/**
 * `check`'s pull-request comment: the verdict, each finding with its fix and safe sequence,
 * then the traffic diff between the same outputs.
 */
export function checkMarkdown(report: TransitionReport, strict: boolean, diff: TrafficDiffResult): string {
  const errors = report.findings.filter(f => f.severity === Severity.ERROR);
  const warnings = report.findings.filter(f => f.severity === Severity.WARNING);
  const failed = !report.safe || (strict && report.findings.length > 0);
  const verdict = report.findings.length === 0 ? 'SAFE'
    : failed ? `UNSAFE${report.safe ? ' (strict: warnings fail the check)' : ''}` : 'SAFE with warnings';
  const icon = failed ? ':x:' : report.findings.length > 0 ? ':warning:' : ':white_check_mark:';
  const lines = [CHECK_MARKER, `### ${icon} cdk8s-canary check: ${verdict}`, '',
    report.findings.length === 0 ? 'No unsafe step between the two outputs.' : `${errors.length} error(s), ${warnings.length} warning(s).`];
  for (const f of [...errors, ...warnings]) {
    lines.push('', `#### ${f.severity === Severity.ERROR ? 'Error' : 'Warning'} ${mdCode(f.kind)}: ${mdCode(f.host)}${f.version ? ` ${mdCode(f.version)}` : ''}`,
      '', mdText(f.message), '', `**Fix:** ${mdText(f.fix)}`);
    if (f.safeSequence.length > 0) {
      lines.push('', 'Safe sequence of commits:', '', ...f.safeSequence.map((s, i) => `${i + 1}. ${mdText(s.replace(/^\d+\)\s*/, ''))}`));
    }
  }
  lines.push('', '#### Traffic changes', '', ...diffSection(diff), ...notModelled(report.warnings));
  return fit(lines, 'check');
}

/** `diff`'s pull-request comment: the cohorts that change, each host's summary, Mermaid charts. */
export function diffMarkdown(result: TrafficDiffResult): string {
  const moving = result.hosts.filter((h: HostTrafficDiff) => h.cohorts.some(c => c.change !== CohortChange.UNCHANGED)).length;
  const lines = [DIFF_MARKER, `### cdk8s-canary diff: ${moving === 0 ? 'no traffic moves' : `${moving} host(s) change`}`, '',
    ...diffSection(result), ...notModelled(result.warnings)];
  return fit(lines, 'diff');
}
