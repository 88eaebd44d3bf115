import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WORK_ORDER_TARGETS, fitBandEdges, workOrderLabels } from './work-order-targets.js';
import { WorkOrderFileError, parseExcavatorWorkOrders } from './work-orders.js';

const header = 'BscStartDate,Asset,OriginalShorttext,PMType,Cost,RunningTime,MajorSystem,Part,Action,Variant,FM,Location,Comments,FuncLocation,SuspSugg,Rule';

test('reads quoted texts with commas, NA running times and compound failure modes', () => {
  const orders = parseExcavatorWorkOrders(`${header}\n2002-04-10,B,"loose grease line on bucket ,",PM01,0,6,Bucket,Grease System,NA,NA,Missing / Loose,NA,NA,Other Systems,0,R\n2004-07-01,A,BUCKET WON'T OPEN,PM02,183.05,NA,Bucket,NA,NA,NA,Leak_Structural Integrity,NA,NA,BUCKET,0,R\n`);
  assert.deepEqual(orders[0], { line: 2, asset: 'B', text: 'loose grease line on bucket ,', orderType: 'PM01', cost: 0, runningTime: 6, failureMode: 'Missing / Loose' });
  assert.equal(orders[1]!.runningTime, undefined);
  assert.equal(orders[1]!.failureMode, 'Leak_Structural Integrity');
});

test('names the line of a value that is not a number, and a missing column', () => {
  assert.throws(() => parseExcavatorWorkOrders(`${header}\n2004-07-01,A,x,PM01,abc,NA,B,NA,NA,NA,NA,NA,NA,B,0,R\n`), /line 2: Cost 'abc'/);
  assert.throws(() => parseExcavatorWorkOrders('Asset,Text\nA,x\n'), WorkOrderFileError);
});

test('bands are quintiles of the training orders; labels map order type, failure mode and bands', () => {
  const base = { line: 0, asset: 'A', text: 't', orderType: 'PM01' };
  const train = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((cost, i) => ({ ...base, cost, runningTime: i }));
  const edges = fitBandEdges(train);
  assert.deepEqual(edges.cost, [30, 50, 70, 90]);
  const test = [
    { ...base, cost: 5, orderType: 'PM02', failureMode: 'Leak_Missing / Loose' },
    { ...base, cost: 1000, runningTime: 3, failureMode: 'Smoke / Burning' },
    { ...base, cost: 50, failureMode: 'Over Temp' },
  ];
  const [order, mode, cost, running] = workOrderLabels(test, edges);
  assert.deepEqual(Array.from(order!), [1, 0, 0]);
  assert.deepEqual(Array.from(mode!), [0, WORK_ORDER_TARGETS[1]!.classes.indexOf('other'), 3]);
  assert.deepEqual(Array.from(cost!), [0, 4, 1]);
  assert.deepEqual(Array.from(running!), [-1, 1, -1]);
});
