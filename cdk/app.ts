import { createKuotaApp } from './kuota-app.js';

// `npx cdk synth [-c stage=production]`: see cdk.json and the "synth" npm script.
createKuotaApp().app.synth();
