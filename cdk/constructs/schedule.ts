import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  Chain,
  DefinitionBody,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvocationType, LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { isSchedulable, type Stage } from '../stage.js';

export interface KuotaScheduleProps {
  readonly stage: Stage;
  readonly functionId: string;
  readonly target: IFunction;
  readonly everySeconds: number;
}

/**
 * Runs a function every `everySeconds`. Whole minutes are an EventBridge rate rule. EventBridge cannot go
 * below a minute, so a period that divides a minute (e.g. 15 s) is a rule firing each minute that starts an
 * Express workflow invoking the function 60 / everySeconds times, `everySeconds` apart. Invocations are
 * asynchronous, as a rate rule's are: a slow run never delays the next tick, so runs may overlap.
 */
export class KuotaSchedule extends Construct {
  readonly rule: Rule;
  readonly stateMachine: StateMachine | undefined;

  constructor(scope: Construct, id: string, props: KuotaScheduleProps) {
    super(scope, id);
    const { everySeconds, target, functionId } = props;
    if (!isSchedulable(everySeconds))
      throw new Error(`${functionId}: no schedule runs exactly every ${everySeconds}s`);
    const description = `Runs ${functionId} every ${everySeconds} seconds`;
    if (everySeconds % 60 === 0) {
      this.stateMachine = undefined;
      this.rule = new Rule(this, 'Rule', {
        description,
        schedule: Schedule.rate(Duration.minutes(everySeconds / 60)),
        // The next tick is the retry.
        targets: [new LambdaFunction(target, { retryAttempts: 0 })],
      });
      return;
    }

    const ticks = 60 / everySeconds;
    const invoke = (tick: number) =>
      new LambdaInvoke(this, `Tick${tick}`, {
        lambdaFunction: target,
        invocationType: LambdaInvocationType.EVENT,
        resultPath: JsonPath.DISCARD,
        // A lost tick is made up by the next one; retrying with backoff would only bunch them up.
        retryOnServiceExceptions: false,
      });
    let chain = Chain.start(invoke(0));
    for (let tick = 1; tick < ticks; tick += 1) {
      const wait = new Wait(this, `Wait${tick}`, { time: WaitTime.duration(Duration.seconds(everySeconds)) });
      chain = chain.next(wait).next(invoke(tick));
    }
    const production = props.stage === 'production';
    this.stateMachine = new StateMachine(this, 'Ticks', {
      stateMachineType: StateMachineType.EXPRESS,
      comment: description,
      definitionBody: DefinitionBody.fromChainable(chain),
      timeout: Duration.seconds(90),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, 'Logs', {
          retention: production ? RetentionDays.ONE_MONTH : RetentionDays.ONE_WEEK,
          removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        }),
        level: LogLevel.ALL,
        includeExecutionData: false,
      },
    });
    this.rule = new Rule(this, 'Rule', {
      description,
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new SfnStateMachine(this.stateMachine, { retryAttempts: 0 })],
    });
    const functionLogicalId = Stack.of(this).getLogicalId(target.node.defaultChild as CfnElement);
    Validations.of(this.stateMachine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${functionLogicalId}.Arn>:*]`,
      reason:
        `lambda:InvokeFunction on ${functionId} and its versions/aliases (the ":*" suffix), granted by the ` +
        'LambdaInvoke task; the wildcard never reaches another function.',
    });
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Step Functions log delivery (logs:CreateLogDelivery, PutResourcePolicy, DescribeLogGroups ...) and ' +
        'X-Ray tracing support no resource-level permissions; CDK grants exactly those actions on "*".',
    });
  }
}
