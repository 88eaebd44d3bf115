import ts from 'typescript';

/** A string in code that spells part of the MQTT topic tree or a bus subject by hand. */
export interface HandSpelled {
  readonly line: number;
  readonly text: string;
  readonly why: string;
}

// Applied to every piece of literal text (a string, or the text between a template's `${…}`).
const ANYWHERE: ReadonlyArray<readonly [RegExp, string]> = [
  [/(^|[^\w-])pm\.(frames|telemetry|status|edge-alerts|scores|forecasts|alerts|models|baselines|training)(\.|$)/, 'a bus subject (use busSubjects in @premonitor/contracts)'],
  [/premonitor\/v1(\/|$)/, 'the MQTT topic root (use mqttTopic / mqttFilter)'],
  [/(^|\/)\+\/\+(\/|$)/, 'an every-device MQTT filter (use mqttFilter)'],
  [/(^|\/)command\/(heartbeat|#|\+)/, 'a command topic (use mqttTopic.heartbeat / mqttFilter.commands)'],
];
// Applied only to text right after a `${…}`: the channel levels of a topic built by hand
// (`${ref.device}/model/+`, `${base}/status`). A plain '/status' is left alone (an HTTP route),
// and so is a route ending in `/model` (frame, model and command topics always have a level more).
const AFTER_SUBSTITUTION: RegExp = /^\/((telemetry|status|edge-alert)$|(frame|model|command)\/)/;

/** The hand-spelled topic and subject strings in one TypeScript source (comments are not code). */
export function findHandSpelled(fileName: string, source: string): HandSpelled[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found: HandSpelled[] = [];
  const check = (node: ts.Node, text: string, afterSubstitution: boolean): void => {
    const hit = ANYWHERE.find(([pattern]) => pattern.test(text));
    const why = hit?.[1] ?? (afterSubstitution && AFTER_SUBSTITUTION.test(text) ? 'topic levels after a substitution (use mqttTopic / mqttFilter)' : undefined);
    if (why) found.push({ line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1, text, why });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node)) check(node, node.text, false);
    else if (ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) check(node, node.text, true);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}
