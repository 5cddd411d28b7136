// SPDX-License-Identifier: GPL-3.0-or-later
//
// Duet Bake: a Flamenco 3 job type that bakes, then renders, every shot of a
// Duet job file. Each shot becomes two tasks on any free worker:
//
//   bake-<shot>    blender -b -y -c duet batch JOB.toml --shot <shot> --stage bake
//   render-<shot>  blender -b -y -c duet batch JOB.toml --shot <shot> --stage render
//                  (depends on bake-<shot>)
//
// Install: copy this file into the `scripts` folder next to flamenco-manager
// and restart the Manager. Workers need Blender with the Duet extension
// enabled, and the job file, its inputs and outputs on shared storage.
// See docs/BATCH.md ("Render farm: Flamenco").
//
// `blender -c duet ...` hands every argument after `-c duet` to Duet's
// command; Blender opens no .blend itself. The job file therefore goes in the
// command's `blendfile` slot (the Worker puts it right after argsBefore), so
// the Worker's path translation applies to it like to any .blend.

const JOB_TYPE = {
  label: 'Duet Bake',
  description: 'Bake two-character dialogue with Duet for every shot of a job file, then render each shot',
  settings: [
    {
      key: 'job_file',
      type: 'string',
      subtype: 'file_path',
      required: true,
      description: 'The Duet job file (TOML), on storage every Worker can read',
    },
    {
      key: 'shots',
      type: 'string',
      required: true,
      description:
        "Shots to run: names separated by spaces or commas, as printed by 'duet batch JOB --list', " +
        "or the JSON of 'duet batch JOB --list --json' (invalid shots in it are left out)",
    },
    {
      key: 'render',
      type: 'bool',
      default: true,
      description: 'Render each shot after its bake (shots without render settings finish at once)',
    },
    {
      key: 'output_root',
      type: 'string',
      subtype: 'dir_path',
      required: false,
      description: 'Refuse any output outside this folder (--output-root)',
    },
    {
      key: 'engine',
      type: 'string',
      default: 'default',
      choices: ['default', 'workbench', 'eevee', 'cycles'],
      description: "Render engine for every shot; 'default' keeps each shot's (job file, else the .blend)",
    },
    {
      key: 'resolution',
      type: 'string',
      required: false,
      description: "Render resolution WIDTHxHEIGHT for every shot, e.g. '1280x720'; empty keeps each shot's",
    },
    {
      key: 'skip_existing',
      type: 'bool',
      default: false,
      description: 'Skip a stage whose outputs already exist (resume a job)',
    },
    {
      key: 'blender_args_before',
      type: 'string',
      required: false,
      visible: 'submission',
      description: "Extra Blender arguments before '-c duet', e.g. '--factory-startup' (not recommended)",
    },
  ],
};

// The same rule as duet.batch.jobfile.SHOT_NAME: names are file and task names.
const SHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;
const RESOLUTION = /^\s*\d+\s*[xX]\s*\d+\s*$/;

function compileJob(job) {
  const settings = job.settings;
  if (!settings.job_file) {
    throw 'Duet Bake: the job_file setting is empty: give the path of the Duet job file (TOML)';
  }
  if (settings.resolution && !RESOLUTION.test(settings.resolution)) {
    throw `Duet Bake: resolution '${settings.resolution}' is not WIDTHxHEIGHT, e.g. '1280x720'`;
  }
  const shots = parseShots(settings.shots);
  if (shots.length === 0) {
    throw "Duet Bake: no shots to run: fill 'shots' with the output of 'duet batch JOB --list'";
  }

  for (const shot of shots) {
    const bakeTask = author.Task(`bake-${shot}`, 'blender');
    bakeTask.addCommand(duetCommand(settings, ['--shot', shot, '--stage', 'bake']));
    job.addTask(bakeTask);

    if (!settings.render) continue;
    const renderArgs = ['--shot', shot, '--stage', 'render'];
    if (settings.engine && settings.engine !== 'default') renderArgs.push('--engine', settings.engine);
    if (settings.resolution) renderArgs.push('--resolution', settings.resolution.replace(/\s+/g, ''));
    const renderTask = author.Task(`render-${shot}`, 'blender');
    renderTask.addCommand(duetCommand(settings, renderArgs));
    renderTask.addDependency(bakeTask);
    job.addTask(renderTask);
  }
}

// One `blender -c duet batch` invocation through the Worker's blender-render
// command: {exe} {exeArgs} {argsBefore} {blendfile} {args}.
function duetCommand(settings, stageArgs) {
  const args = stageArgs.slice();
  if (settings.output_root) args.push('--output-root', settings.output_root);
  if (settings.skip_existing) args.push('--skip-existing');
  const before = splitArgs(settings.blender_args_before);
  return author.Command('blender-render', {
    exe: '{blender}',
    exeArgs: '{blenderArgs}',
    argsBefore: before.concat(['-c', 'duet', 'batch']),
    blendfile: settings.job_file,
    args: args,
  });
}

// Shot names from a list ("sh010 sh020", "sh010,sh020", one per line) or from
// the JSON of `duet batch JOB --list --json`.
function parseShots(text) {
  const trimmed = (text || '').trim();
  let names;
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let data;
    try {
      data = JSON.parse(trimmed);
    } catch (err) {
      throw `Duet Bake: 'shots' looks like JSON but does not parse: ${err}`;
    }
    const entries = Array.isArray(data) ? data : data.shots;
    if (!Array.isArray(entries)) {
      throw "Duet Bake: the JSON in 'shots' has no \"shots\" list: paste the output of 'duet batch JOB --list --json'";
    }
    names = [];
    for (const entry of entries) {
      const name = typeof entry === 'string' ? entry : entry && entry.name;
      if (entry && entry.valid === false) {
        print(`Duet Bake: leaving out shot '${name}', the job file check refused it`);
        continue;
      }
      names.push(name);
    }
  } else {
    names = trimmed.split(/[\s,]+/).filter((name) => name.length > 0);
  }

  const seen = new Set();
  const shots = [];
  for (const name of names) {
    if (typeof name !== 'string' || !SHOT_NAME.test(name)) {
      throw `Duet Bake: '${name}' is not a shot name (letters, digits, '_', '-', '.')`;
    }
    if (seen.has(name)) continue;
    seen.add(name);
    shots.push(name);
  }
  return shots;
}

// Arguments from a settings string, honouring quotes ('a b' "c d").
function splitArgs(text) {
  if (!text) return [];
  const args = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let match;
  while ((match = pattern.exec(text)) !== null) {
    args.push(match[1] !== undefined ? match[1] : match[2] !== undefined ? match[2] : match[3]);
  }
  return args;
}
