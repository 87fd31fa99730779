/**
 * Writes the three shipped eval datasets from templates and a fixed seed. Each expected answer is
 * computed by the code that writes its question, so answers are right by construction;
 * make-datasets.test.ts regenerates them and checks the committed files are unchanged.
 *   npx tsx eval/datasets/make-datasets.ts   (rewrites eval/datasets/*.jsonl)
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../../core/random.js";

function rng(seed: number) {
  const next = mulberry32(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]) => list[int(0, list.length - 1)]!;
  return { int, pick };
}

const NAMES = [
  "Ada",
  "Ben",
  "Chloe",
  "Dev",
  "Elena",
  "Farid",
  "Grace",
  "Hiro",
  "Ines",
  "Jonas",
  "Kemi",
  "Luca",
];

const ANSWER_SCHEMA = {
  type: "object",
  properties: { answer: { type: "number" } },
  required: ["answer"],
  additionalProperties: false,
};

type Problem = { question: string; answer: number };
const ARITHMETIC: ((r: ReturnType<typeof rng>) => Problem)[] = [
  (r) => {
    const [a, b, c] = [r.int(3, 9), r.int(6, 24), r.int(5, 40)];
    return {
      question: `A baker makes ${a} trays of ${b} cookies each and sells ${c} cookies. How many cookies are left?`,
      answer: a * b - c,
    };
  },
  (r) => {
    const [b, c] = [r.int(2, 6), r.int(3, 15)];
    const a = b * c + r.int(1, 50);
    return {
      question: `${r.pick(NAMES)} has ${a} dollars and buys ${b} books at ${c} dollars each. How many dollars are left?`,
      answer: a - b * c,
    };
  },
  (r) => {
    const [a, b, c] = [r.int(40, 120), r.int(2, 5), r.int(10, 90)];
    return {
      question: `A train travels at ${a} km per hour for ${b} hours, then another ${c} km. How many km does it travel in total?`,
      answer: a * b + c,
    };
  },
  (r) => {
    const [b, q, rest] = [r.int(3, 8), r.int(4, 12), 0];
    const a = b * q + r.int(0, b - 1) + rest;
    return {
      question: `${a} students are split into groups of ${b}. How many full groups can be made?`,
      answer: Math.floor(a / b),
    };
  },
  (r) => {
    const [a, b] = [r.int(15, 95), r.int(3, 30)];
    return {
      question: `Pens cost ${a} cents each. How many dollars do ${b} pens cost?`,
      answer: (a * b) / 100,
    };
  },
  (r) => {
    const [age, times, minus] = [r.int(6, 14), r.int(3, 5), r.int(1, 9)];
    const name = r.pick(NAMES);
    return {
      question: `${name} is ${age} years old. ${name}'s father is ${times} times as old, minus ${minus} years. How old is the father?`,
      answer: age * times - minus,
    };
  },
  (r) => {
    const [w, h, cost] = [r.int(3, 12), r.int(2, 9), r.int(2, 15)];
    return {
      question: `A floor is ${w} m by ${h} m. Tiles cost ${cost} dollars per square metre. What does tiling the whole floor cost in dollars?`,
      answer: w * h * cost,
    };
  },
  (r) => {
    const [start, perDay, days] = [r.int(100, 400), r.int(5, 30), r.int(3, 10)];
    return {
      question: `A tank holds ${start} litres and loses ${perDay} litres a day. How many litres are left after ${days} days?`,
      answer: start - perDay * days,
    };
  },
];

function arithmetic(): object[] {
  const r = rng(2026_12_07);
  return Array.from({ length: 50 }, (_, i) => {
    const { question, answer } = ARITHMETIC[i % ARITHMETIC.length]!(r);
    return {
      id: `arith-${String(i + 1).padStart(2, "0")}`,
      prompt: `${question} Reply with JSON {"answer": <number>}.`,
      structured_outputs: { json: ANSWER_SCHEMA },
      expected: answer,
      compare: { rule: "numeric", path: "$.answer", tolerance: 0.001 },
    };
  });
}

const TICKETS: Record<string, string[]> = {
  billing: [
    "I was charged twice for my {plan} subscription this month.",
    "Can you send me a refund for the {plan} plan? I cancelled before renewal.",
    "My invoice shows {n} dollars but the price page says less.",
    "Why did my card get billed again after I downgraded to {plan}?",
  ],
  technical: [
    "The app crashes every time I open the settings page on {device}.",
    "I get error code {n} when I try to upload a photo.",
    "Sync stopped working on my {device} after the last update.",
    "The page keeps loading forever and never shows my dashboard on {device}.",
  ],
  shipping: [
    "My package was supposed to arrive {n} days ago and tracking has not moved.",
    "The courier left my parcel at the wrong address.",
    "Can I change the delivery address for order {n} before it ships?",
    "The box arrived crushed and two items were missing.",
  ],
  account: [
    "I forgot my password and the reset email never arrives.",
    "How do I change the email address on my profile?",
    "Please delete my account and all my data.",
    "Someone else logged into my account from {device}; how do I lock it?",
  ],
  other: [
    "Do you have a store in my city?",
    "I just wanted to say your support team was great last week.",
    "Are you hiring for summer internships?",
    "What are your opening hours on public holidays?",
  ],
};

function classification(): object[] {
  const r = rng(7);
  const labels = Object.keys(TICKETS);
  return Array.from({ length: 50 }, (_, i) => {
    const label = labels[i % labels.length]!;
    const text = r
      .pick(TICKETS[label]!)
      .replace("{plan}", r.pick(["Basic", "Pro", "Family", "Team"]))
      .replace("{n}", String(r.int(3, 9999)))
      .replace("{device}", r.pick(["my iPhone", "Android", "Windows", "my Mac", "a tablet"]));
    return {
      id: `cls-${String(i + 1).padStart(2, "0")}`,
      prompt: `Classify this customer message into one of: ${labels.join(", ")}.\n\nMessage: ${text}`,
      structured_outputs: { choice: labels },
      expected: label,
      compare: { rule: "exact" },
    };
  });
}

const PRODUCTS = ["desk lamp", "office chair", "USB cable", "notebook", "coffee grinder", "monitor stand"];
const ORDER_SCHEMA = {
  type: "object",
  properties: {
    order_id: { type: "string" },
    customer: { type: "string" },
    product: { type: "string" },
    quantity: { type: "integer", minimum: 1 },
    unit_price: { type: "number", minimum: 0 },
  },
  required: ["order_id", "customer", "product", "quantity", "unit_price"],
  additionalProperties: false,
};

function extraction(): object[] {
  const r = rng(42);
  const forms = [
    (o: Order) =>
      `Order ${o.order_id} was placed by ${o.customer} for ${o.quantity} x ${o.product} at $${o.unit_price.toFixed(2)} each.`,
    (o: Order) =>
      `${o.customer} bought ${o.quantity} ${o.product} units (unit price $${o.unit_price.toFixed(2)}); reference ${o.order_id}.`,
    (o: Order) =>
      `Ref ${o.order_id}: ${o.quantity} of "${o.product}", $${o.unit_price.toFixed(2)} apiece, shipped to ${o.customer}.`,
    (o: Order) =>
      `Thanks ${o.customer}! We received your order ${o.order_id}. Items: ${o.product} (qty ${o.quantity}) — $${o.unit_price.toFixed(2)} per item.`,
  ];
  type Order = { order_id: string; customer: string; product: string; quantity: number; unit_price: number };
  return Array.from({ length: 50 }, (_, i) => {
    const order: Order = {
      order_id: `A-${r.int(10000, 99999)}`,
      customer: `${r.pick(NAMES)} ${r.pick(["Smith", "Okafor", "Novak", "Tanaka", "Garcia", "Larsen"])}`,
      product: r.pick(PRODUCTS),
      quantity: r.int(1, 12),
      unit_price: r.int(199, 15999) / 100,
    };
    return {
      id: `ext-${String(i + 1).padStart(2, "0")}`,
      prompt: `Extract the order from this text as JSON (order_id, customer, product, quantity, unit_price).\n\n${forms[i % forms.length]!(order)}`,
      structured_outputs: { json: ORDER_SCHEMA },
      expected: order,
      compare: { rule: "exact", ignore_case: true },
    };
  });
}

export const DATASETS: Record<string, () => object[]> = { arithmetic, classification, extraction };

export const jsonl = (rows: object[]) => `${rows.map((row) => JSON.stringify(row)).join("\n")}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, make] of Object.entries(DATASETS)) {
    writeFileSync(new URL(`./${name}.jsonl`, import.meta.url), jsonl(make()));
  }
}
