// The shapes the alert API answers, from fusion itself (type-only: nothing of it reaches the browser).
export type { AlertView as Alert, AlertStreamEvent } from '@premonitor/fusion';
