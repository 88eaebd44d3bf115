export { after, every, sleep, systemClock, type Cancel, type Clock, type TimerHandle } from './clock.js';
export { ManualClock } from './manual-clock.js';
