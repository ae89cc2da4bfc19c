// Plans for tests of many agents on one plan: deterministic, two sprints, each task
// depending on up to two earlier ones, priorities spread over the four.
const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;

export function dependentPlan(o: {
  prefix: string;
  tasks: number;
  seed: number;
  code: string;
  projectTitle: string;
  title: string;
}) {
  let seed = o.seed;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const task = (i: number) => {
    const deps = new Set<string>();
    if (i > 1 && rand() < 0.6) deps.add(`${o.prefix}-${1 + Math.floor(rand() * (i - 1))}`);
    if (i > 4 && rand() < 0.3) deps.add(`${o.prefix}-${i - 1}`);
    return {
      code: `${o.prefix}-${i}`,
      title: `${o.title} ${i}`,
      estimate: i % 3 === 0 ? '1.25h' : '30m',
      priority: PRIORITIES[Math.floor(rand() * 4)],
      ...(deps.size ? { depends_on: [...deps] } : {}),
    };
  };
  const all = Array.from({ length: o.tasks }, (_, i) => task(i + 1));
  const half = Math.ceil(o.tasks / 2);
  return {
    project: {
      code: o.code,
      title: o.projectTitle,
      sprints: [
        { code: 1, title: 'first half', tasks: all.slice(0, half) },
        { code: 2, title: 'second half', tasks: all.slice(half) },
      ],
    },
  };
}
