import type { Accepted } from './accepted';

/** The actions of `requests`, each once with its count: "fib x2, slow" (a line that lists thousands stays short). */
export function actionCounts(requests: readonly Accepted[]): string[] {
  const counts = new Map<string, number>();
  for (const { request } of requests) counts.set(request.action, (counts.get(request.action) ?? 0) + 1);
  return [...counts].map(([action, n]) => (n === 1 ? action : `${action} x${n}`));
}
