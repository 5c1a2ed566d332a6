/**
 * A real Pub/Sub client standing in for the coworkPanel on the Case: it reads `Cowork_Message__e`
 * and `Cowork_Status__e` as the panel does, and publishes what the Send_Cowork_Message flow would.
 */
import type { RunningSimulator } from '../../simulator';
import { clientCredentialsConnection, pubSubClient, recorder, trustSimulator, type PubSubClient, type Recorded } from '../simulator/support';
import { waitUntil } from './coworkSteps';

export interface Line {
  sender: unknown;
  text: unknown;
}

export interface Panel {
  client: PubSubClient;
  messages: Recorded;
  statuses: Recorded;
  lines(caseId: string): Line[];
  states(caseId: string): Array<{ state: unknown; detail: unknown }>;
}

export async function openPanel(simulator: RunningSimulator): Promise<Panel> {
  trustSimulator(simulator.caCert);
  const conn = await clientCredentialsConnection(simulator);
  const client = await pubSubClient(simulator, conn.accessToken ?? '');
  const messages = recorder();
  const statuses = recorder();
  const before = simulator.org.openStreamCount();
  client.subscribe('/event/Cowork_Message__e', messages.callback);
  client.subscribe('/event/Cowork_Status__e', statuses.callback);
  await waitUntil(() => simulator.org.openStreamCount() >= before + 2, 'the panel streams');
  return {
    client,
    messages: messages.recorded,
    statuses: statuses.recorded,
    lines: (caseId) =>
      messages.recorded.events
        .filter((e) => e.payload.Correlation_Id__c === caseId && e.payload.Kind__c === 'from_customer')
        .map((e) => ({ sender: e.payload.Sender__c, text: e.payload.Text__c })),
    states: (caseId) =>
      statuses.recorded.events.filter((e) => e.payload.Correlation_Id__c === caseId).map((e) => ({ state: e.payload.State__c, detail: e.payload.Detail__c })),
  };
}

/** What the Send_Cowork_Message flow publishes when the agent acts in the panel. */
export function fromPanel(simulator: RunningSimulator, caseId: string, kind: 'takeover' | 'to_customer' | 'handback', sender: string, text?: string): void {
  simulator.org.publishEvent('Cowork_Message__e', {
    Correlation_Id__c: caseId,
    Kind__c: kind,
    Sender__c: sender,
    ...(text !== undefined ? { Text__c: text } : {}),
  });
}

/** Ends the simulator's streams and waits, bounded, for the panel's two subscriptions to see it, then closes its client. */
export async function closePanel(simulator: RunningSimulator | undefined, panel: Panel | undefined): Promise<void> {
  if (!simulator || !panel) return;
  simulator.org.endStreams({ code: 1, errorCode: 'test.teardown', details: 'test finished' });
  await waitUntil(() => panel.messages.ended && panel.statuses.ended, 'the panel streams to end');
  panel.client.close();
}
