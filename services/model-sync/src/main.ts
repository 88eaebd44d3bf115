#!/usr/bin/env node
// Distributed mode: model-sync as its own process against MQTT_URL, NATS_URL, DATABASE_URL and the artifact folder.
import { runModule } from '@premonitor/runtime';
import { modelSyncModule } from './module.js';

runModule(modelSyncModule);
