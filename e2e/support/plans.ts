// Plans through the BFF's API, for setting up a spec's state and cleaning it up.
import { expect, type APIRequestContext } from '@playwright/test';
import type { Plan, PlanBody, PlanList } from '@powerdeck/contracts/plans';
import { CSRF_HEADER } from '@powerdeck/contracts/roles';

export async function createPlan(api: APIRequestContext, body: PlanBody): Promise<Plan> {
  const res = await api.post('/api/plans', { headers: { [CSRF_HEADER]: '1' }, data: body });
  expect(res.status(), `POST /api/plans: ${await res.text()}`).toBe(201);
  return (await res.json()) as Plan;
}

export async function plans(api: APIRequestContext): Promise<Plan[]> {
  const res = await api.get('/api/plans');
  expect(res.status(), 'GET /api/plans').toBe(200);
  return ((await res.json()) as PlanList).plans;
}

/** Deletes every plan whose name starts with `prefix`. */
export async function deletePlans(api: APIRequestContext, prefix: string): Promise<void> {
  for (const p of await plans(api)) {
    if (!p.name.startsWith(prefix)) continue;
    const res = await api.delete(`/api/plans/${encodeURIComponent(p.id)}`, {
      headers: { [CSRF_HEADER]: '1' },
    });
    expect([204, 404], `DELETE /api/plans/${p.id}: ${await res.text()}`).toContain(res.status());
  }
}
