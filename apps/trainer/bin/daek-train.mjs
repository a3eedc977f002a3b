#!/usr/bin/env node
// daek-train: see @daek/cli-support's launch.mjs (tsx launcher; Ctrl-C and SIGTERM reach the trainer, which checkpoints).
import {launch} from '@daek/cli-support/launch';

launch('daek-train', import.meta.url);
