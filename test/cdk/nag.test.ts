import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { createKuotaApp } from '../../cdk/kuota-app.js';
import { STAGES } from '../../cdk/stage.js';
import { NO_BUNDLING, withoutCfnLint } from './template-model.js';

/**
 * cdk-nag 3 runs as a CDK validation plugin: it reports in the synthesis validation report, not as
 * construct annotations (so `Annotations.findError` would be empty whatever it found). These tests run the
 * same pack the app registers directly over the construct tree, and synthesize the app to prove the
 * plugin is registered and blocks synthesis. (stack.test.ts synthesizes each stage through the same
 * plugin, so a clean synthesis is proven there.)
 */
const findings = (scope: App) =>
  new AwsSolutionsChecks().validateScope(scope).violations.map((violation) => ({
    rule: violation.ruleName,
    severity: violation.severity,
    resources: violation.violatingResources.map((resource) => resource.constructPath),
  }));

describe('cdk-nag AwsSolutions checks', () => {
  it('report findings in this setup (an unprotected queue fails them)', () => {
    // Arrange
    const app = new App();
    new Queue(new Stack(app, 'Scratch'), 'Bare');

    // Act
    const rules = findings(app).map((finding) => finding.rule);

    // Assert
    expect(rules).toContain('AwsSolutions-SQS3');
    expect(rules).toContain('AwsSolutions-SQS4');
  });

  it.each(STAGES)('leave no unacknowledged error or warning in stage %s', (stage) => {
    // Arrange
    const { app } = createKuotaApp({ context: { stage, ...NO_BUNDLING } });

    // Act
    const unacknowledged = findings(app);

    // Assert
    expect(unacknowledged).toEqual([]);
  });

  it('give every acknowledgement a specific written reason', () => {
    // Arrange
    const { stack } = createKuotaApp({ context: { stage: 'staging', ...NO_BUNDLING } });

    // Act
    const acknowledgements = stack.node
      .findAll()
      .flatMap((construct) => construct.node.metadata)
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));

    // Assert
    expect(acknowledgements.length).toBeGreaterThan(5);
    for (const [id, reason] of acknowledgements) {
      expect(id).toMatch(/^(Annotation::AwsSolutions-[A-Z]+\d+(\[.+\])?|CloudFormation-Validate::W\d+)$/);
      expect(reason.length, id).toBeGreaterThanOrEqual(80);
    }
  });

  it('block synthesis of the app on an unacknowledged finding', () => {
    // Arrange
    const { app, stack } = createKuotaApp({ context: { stage: 'staging', ...NO_BUNDLING } });
    new Queue(stack, 'UnprotectedQueue');

    // Act
    const synth = () => withoutCfnLint(() => app.synth());

    // Assert
    expect(synth).toThrow(/AwsSolutions-SQS3/);
  });
});
