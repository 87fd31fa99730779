/**
 * instructor (Python) cannot run here, so this replays, through the openai client it wraps, the
 * requests its OpenAI modes build (JSON_SCHEMA, JSON with its reask turn, MD_JSON) with a pydantic
 * model's JSON schema, and checks each is accepted and the schema reaches the engine as the
 * constraint. Mode.TOOLS (its default) sends `tools`, which Deliberate refuses by name: use
 * Mode.JSON_SCHEMA.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../../test/support/scripted-engine.js";
import { startTestServer, TEST_KEY, type TestServer } from "../../../test/support/server.js";

/** `UserExtract(BaseModel)` with a nested `Address`, as pydantic's model_json_schema() writes it. */
const USER_EXTRACT = {
  $defs: {
    Address: {
      properties: { city: { title: "City", type: "string" } },
      required: ["city"],
      title: "Address",
      type: "object",
    },
  },
  properties: {
    name: { title: "Name", type: "string" },
    age: { title: "Age", type: "integer" },
    address: { $ref: "#/$defs/Address" },
  },
  required: ["name", "age", "address"],
  title: "UserExtract",
  type: "object",
};
const ANSWER = '{"name":"Jason","age":25,"address":{"city":"Oslo"}}';

let server: TestServer;
let client: OpenAI;
const engine = new ScriptedEngine({
  fallback: (call) => ({
    text: call.stop ? "thinking" : call.constraint ? ANSWER : `\`\`\`json\n${ANSWER}\n\`\`\``,
  }),
});
beforeAll(async () => {
  server = await startTestServer(engine);
  client = new OpenAI({ apiKey: TEST_KEY, baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(() => server?.shutdown());

const messages: OpenAI.ChatCompletionMessageParam[] = [
  { role: "user", content: "Extract jason is 25 years old and lives in Oslo" },
];

describe("what instructor sends", () => {
  it("Mode.JSON_SCHEMA: response_format json_schema with name and schema (no strict)", async () => {
    const calls = engine.calls.length;
    const completion = await client.chat.completions.create({
      model: "deliberate",
      messages,
      response_format: { type: "json_schema", json_schema: { name: "UserExtract", schema: USER_EXTRACT } },
    });
    expect(JSON.parse(completion.choices[0]!.message.content!)).toEqual(JSON.parse(ANSWER));
    expect(engine.calls.slice(calls).find((c) => c.constraint)?.constraint).toEqual({
      kind: "json",
      schema: USER_EXTRACT,
    });
  });

  it("Mode.JSON: json_object plus the schema in the system message; then its reask turn", async () => {
    const system = `As a genius expert, ... match the following json_schema:\n\n${JSON.stringify(USER_EXTRACT, null, 2)}`;
    const first = await client.chat.completions.create({
      model: "deliberate",
      messages: [{ role: "system", content: system }, ...messages],
      response_format: { type: "json_object" },
    });
    // reask_md_json: the assistant message as dump_message writes it, then a user correction.
    const reask = await client.chat.completions.create({
      model: "deliberate",
      messages: [
        { role: "system", content: system },
        ...messages,
        { role: "assistant", content: first.choices[0]!.message.content ?? "" },
        { role: "user", content: "Correct your JSON ONLY RESPONSE, based on the following errors:\n..." },
      ],
      response_format: { type: "json_object" },
    });
    expect(JSON.parse(reask.choices[0]!.message.content!)).toEqual(JSON.parse(ANSWER));
  });

  it("Mode.MD_JSON: free text with merged text parts, answered as a json code block", async () => {
    const completion = await client.chat.completions.create({
      model: "deliberate",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Extract jason is 25 years old" },
            { type: "text", text: "Return the correct JSON response within a ```json codeblock." },
          ],
        },
      ],
    });
    expect(completion.choices[0]!.message.content).toContain(ANSWER);
  });

  it("Mode.TOOLS (instructor's default) is refused naming tools", async () => {
    const err = await client.chat.completions
      .create({
        model: "deliberate",
        messages,
        tools: [{ type: "function", function: { name: "UserExtract", parameters: USER_EXTRACT } }],
        tool_choice: { type: "function", function: { name: "UserExtract" } },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("tools");
  });
});
