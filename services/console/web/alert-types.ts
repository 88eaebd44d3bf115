/** An alert as `GET /api/v1/alerts` answers it. */
export interface Alert {
  readonly id: string;
  readonly site: string;
  readonly device: string;
  readonly rule: string;
  readonly severity: string;
  readonly status: string;
  readonly title: string;
  readonly message: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly count: number;
  readonly peakScore: number | null;
}

/** One server-sent `alert` event of `GET /api/v1/alerts/stream`. */
export interface AlertStreamEvent {
  readonly eventId: string;
  readonly from: string | null;
  readonly to: string;
  readonly actor: string;
  readonly alert: Alert;
}
