// `optim` namespace.
export { SGD, type SGDOptions } from './sgd.ts';
export { lrAt, LrScheduler, type LrScheduleOptions } from './schedule.ts';
