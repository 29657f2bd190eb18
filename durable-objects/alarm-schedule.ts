/**
 * When the object's one alarm should next run, given every pending deadline. A deadline
 * already past when the alarm has just run belongs to work that failed (an expiry notice
 * that could not be delivered): that one is retried `retryDueMs` later, so it neither spins
 * the alarm nor delays any other deadline, which keeps its own time. Null: nothing pending.
 */
export function nextAlarmAt(deadlines: readonly (number | null)[], nowMs: number, retryDueMs: number): number | null {
  let at: number | null = null;
  for (const deadline of deadlines) {
    if (deadline === null) continue;
    const due = deadline <= nowMs ? nowMs + retryDueMs : deadline;
    if (at === null || due < at) at = due;
  }
  return at;
}
