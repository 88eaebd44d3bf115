import { busSubjects } from '@premonitor/contracts';
import { decodeEvent, type Bus, type Subscription } from '@premonitor/bus';
import type { ConsumerPolicy } from '@premonitor/resilience';
import type { ReportIntake } from './report-intake.js';

/**
 * Reports written on alerts (`pm.reports.submitted.*`, from fusion): stored, scored, their scores
 * published. An invalid event goes to the dead letters with its reason; a failure to store or
 * publish is redelivered (the submission id keeps it stored once).
 */
export function consumeReports(bus: Bus, policy: ConsumerPolicy, intake: ReportIntake, options: { durable?: string; site?: string } = {}): Promise<Subscription> {
  const durable = options.durable ?? 'retraining-reports';
  const filterSubject = options.site ? busSubjects.reportsSubmitted.ofSite(options.site) : busSubjects.reportsSubmitted.wildcard;
  return bus.consume(
    policy.spec({ stream: busSubjects.reportsSubmitted.stream, durable, filterSubject, ackWaitMs: 60_000 }),
    policy.guard(async (message) => {
      const decoded = decodeEvent('reportsSubmitted', message);
      if (!decoded.ok) return void policy.deadLetter(message, `invalid report event: ${decoded.reason}`);
      const e = decoded.value;
      await intake.submit({
        ref: { site: e.site, device: e.device },
        fields: { description: e.description, ...(e.equipmentName ? { equipment_name: e.equipmentName } : {}), ...(e.equipmentId ? { equipment_id: e.equipmentId } : {}) },
        alertId: Number(e.alertId),
        submissionId: e.submissionId,
        author: e.author,
      });
      message.ack();
    }),
  );
}
