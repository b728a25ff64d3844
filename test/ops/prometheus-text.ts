/** A strict reader of the Prometheus text exposition format (version 0.0.4), for tests. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: string;
  help?: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
// Prometheus reads values with Go's strconv.ParseFloat: NaN (unsigned) and Inf/Infinity (signed or
// not) in any case; prom-client writes `Nan` for a gauge with no observation yet.
const SPECIAL = '[nN][aA][nN]|[-+]?[iI][nN][fF](?:[iI][nN][iI][tT][yY])?';
const SAMPLE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? ([-+]?(?:\\d+(?:\\.\\d*)?(?:[eE][-+]?\\d+)?|\\.\\d+)|${SPECIAL})(?: -?\\d+)?$`,
);
const HELP = new RegExp(`^# HELP (${NAME})(?: (.*))?$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const ONE_LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/g;

/** The family a sample belongs to: histogram and summary samples carry a suffix. */
function familyOf(sample: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  if (families.has(sample)) return families.get(sample);
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (sample.endsWith(suffix)) {
      const family = families.get(sample.slice(0, -suffix.length));
      if (family && (family.type === 'histogram' || family.type === 'summary')) return family;
    }
  }
  return undefined;
}

/** Parses the whole text, throwing on the first line that is not valid exposition format. */
export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const help = HELP.exec(line);
      if (help) {
        const family = families.get(help[1]) ?? { name: help[1], type: 'untyped', samples: [] };
        family.help = help[2] ?? '';
        families.set(help[1], family);
        return;
      }
      const type = TYPE.exec(line);
      if (type) {
        const family = families.get(type[1]) ?? { name: type[1], type: 'untyped', samples: [] };
        if (family.samples.length > 0) throw new Error(`TYPE after samples, ${where}`);
        family.type = type[2];
        families.set(type[1], family);
        return;
      }
      if (/^# (HELP|TYPE)\b/.test(line)) throw new Error(`malformed ${line.slice(2, 6)}, ${where}`);
      return;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample, ${where}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(ONE_LABEL)) {
      if (key in labels) throw new Error(`duplicate label ${key}, ${where}`);
      labels[key] = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    const raw = m[3];
    const value = /inf(inity)?$/i.test(raw) ? (raw.startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(raw) ? NaN : Number(raw);
    const family = familyOf(m[1], families);
    if (!family) throw new Error(`sample without a TYPE, ${where}`);
    family.samples.push({ name: m[1], labels, value });
  });
  return families;
}

/** Sum of the samples named `name` whose labels include every given one. */
export function sampleSum(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += s.value;
    }
  }
  return total;
}
