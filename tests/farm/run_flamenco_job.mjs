// Compile a Flamenco job type script outside Flamenco, for tests.
//
//   node run_flamenco_job.mjs SCRIPT.js JOB.json
//
// JOB.json: {"name": ..., "settings": {...}, "variables": {"blender": ..., "blenderArgs": ...}}.
// Prints {"label", "settings", "tasks": [...]} as JSON, or {"error": ...} with exit code 1.
//
// The script runs as Flamenco Manager runs job compiler scripts (flamenco.blender.org,
// "Job Types" and "List of Commands"): plain script with the globals `author`
// (Task(name, type) with addCommand/addDependency, Command(name, parameters)),
// `print` and `path`, a JOB_TYPE object and a compileJob(job) function that calls
// job.addTask. Settings get their JOB_TYPE defaults and required settings are
// checked first, as the Manager does on submission. For each blender-render
// command the harness also builds the argument list a Worker runs:
// {exe} {exeArgs} {argsBefore} {blendfile} {args}, with {variables} expanded.

import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import posixPath from 'node:path/posix';

function fail(message) {
  process.stdout.write(JSON.stringify({ error: String(message) }) + '\n');
  process.exit(1);
}

const [scriptPath, jobPath] = process.argv.slice(2);
if (!scriptPath || !jobPath) fail('usage: node run_flamenco_job.mjs SCRIPT.js JOB.json');
const request = JSON.parse(readFileSync(jobPath, 'utf8'));

class AuthoredTask {
  constructor(name, type) {
    if (typeof name !== 'string' || !name) throw new Error('author.Task needs a name');
    this.name = name;
    this.type = type || '';
    this.commands = [];
    this.dependencies = [];
  }
  addCommand(command) {
    if (!(command instanceof AuthoredCommand)) throw new Error('addCommand takes an author.Command');
    this.commands.push(command);
  }
  addDependency(task) {
    if (!(task instanceof AuthoredTask)) throw new Error('addDependency takes an author.Task');
    this.dependencies.push(task);
  }
}

class AuthoredCommand {
  constructor(name, parameters) {
    this.name = name;
    this.parameters = parameters || {};
  }
}

const printed = [];
const sandbox = {
  author: {
    Task: (name, type) => new AuthoredTask(name, type),
    Command: (name, parameters) => new AuthoredCommand(name, parameters),
  },
  print: (...parts) => printed.push(parts.map(String).join(' ')),
  path: {
    join: (...parts) => posixPath.join(...parts),
    basename: (p) => posixPath.basename(p),
    dirname: (p) => posixPath.dirname(p),
    stem: (p) => posixPath.basename(p, posixPath.extname(p)),
  },
};
vm.createContext(sandbox);

let JOB_TYPE, compileJob;
try {
  const code = readFileSync(scriptPath, 'utf8');
  ({ JOB_TYPE, compileJob } = vm.runInContext(`${code}\n;({ JOB_TYPE, compileJob });`, sandbox, {
    filename: scriptPath,
  }));
} catch (err) {
  fail(`the script does not load: ${err}`);
}
if (!JOB_TYPE || !Array.isArray(JOB_TYPE.settings) || typeof compileJob !== 'function') {
  fail('the script must define JOB_TYPE with settings and a compileJob(job) function');
}

// Defaults and required settings, as the Manager applies them on submission.
const settings = { ...(request.settings || {}) };
for (const setting of JOB_TYPE.settings) {
  if (settings[setting.key] === undefined && setting.default !== undefined) {
    settings[setting.key] = setting.default;
  }
  const value = settings[setting.key];
  if (setting.required && (value === undefined || value === '')) {
    fail(`missing required setting '${setting.key}'`);
  }
  if (setting.choices && value !== undefined && !setting.choices.includes(value)) {
    fail(`setting '${setting.key}' is '${value}', not one of ${setting.choices.join(', ')}`);
  }
}
const known = new Set(JOB_TYPE.settings.map((s) => s.key));
for (const key of Object.keys(settings)) {
  if (!known.has(key)) fail(`unknown setting '${key}'`);
}

const tasks = [];
const job = {
  name: request.name || 'duet job',
  type: 'duet-bake',
  priority: 50,
  created: new Date(0),
  settings,
  metadata: {},
  addTask: (task) => {
    if (!(task instanceof AuthoredTask)) throw new Error('job.addTask takes an author.Task');
    tasks.push(task);
  },
};

try {
  compileJob(job);
} catch (err) {
  fail(err);
}

// Every dependency must be a task of this job, added before or after, without cycles.
const added = new Set(tasks);
const names = new Set();
for (const task of tasks) {
  if (names.has(task.name)) fail(`two tasks are named '${task.name}'`);
  names.add(task.name);
  for (const dep of task.dependencies) {
    if (!added.has(dep)) fail(`task '${task.name}' depends on '${dep.name}', which is not in the job`);
  }
}
const state = new Map();
function visit(task) {
  if (state.get(task) === 'done') return;
  if (state.get(task) === 'visiting') fail(`dependency cycle through '${task.name}'`);
  state.set(task, 'visiting');
  task.dependencies.forEach(visit);
  state.set(task, 'done');
}
tasks.forEach(visit);

const variables = { blender: 'blender', blenderArgs: '-b -y', ...(request.variables || {}) };
const expand = (text) =>
  String(text).replace(/\{([A-Za-z_]+)\}/g, (match, name) => (name in variables ? variables[name] : match));
const words = (text) => (text ? expand(text).split(/\s+/).filter((w) => w) : []);

function workerArgv(command) {
  if (command.name !== 'blender-render') return null;
  const p = command.parameters;
  if (!p.exe) fail(`blender-render without 'exe'`);
  if (!p.blendfile) fail(`blender-render without 'blendfile' (the Worker refuses it)`);
  for (const key of ['argsBefore', 'args']) {
    if (p[key] !== undefined && !(Array.isArray(p[key]) && p[key].every((a) => typeof a === 'string'))) {
      fail(`blender-render '${key}' must be a list of strings`);
    }
  }
  return [
    ...words(p.exe),
    ...words(p.exeArgs),
    ...(p.argsBefore || []).map(expand),
    expand(p.blendfile),
    ...(p.args || []).map(expand),
  ];
}

process.stdout.write(
  JSON.stringify(
    {
      label: JOB_TYPE.label,
      settings,
      printed,
      tasks: tasks.map((task) => ({
        name: task.name,
        type: task.type,
        dependencies: task.dependencies.map((d) => d.name),
        commands: task.commands.map((c) => ({ name: c.name, parameters: c.parameters, argv: workerArgv(c) })),
      })),
    },
    null,
    2,
  ) + '\n',
);
