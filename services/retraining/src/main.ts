#!/usr/bin/env node
// Distributed mode: retraining as its own process against NATS_URL, DATABASE_URL and its folders.
import { runModule } from '@premonitor/runtime';
import { retrainingModule } from './module.js';

runModule(retrainingModule);
