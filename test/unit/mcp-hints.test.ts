// Instructions for MCP callers name tools: every fragctl command the daemon suggests has its
// tool form, with the arguments the command carried (quoted words included).
import { describe, expect, it } from 'vitest';
import { commandLine } from '../../shared/command.js';
import { commandForMcp, hintForMcp, instructionsForMcp, splitWords } from '../../daemon/app/instructions/mcp-hints.js';

describe('MCP hints', () => {
  it('splits what commandLine quoted back into the same words', () => {
    for (const argv of [
      ['fragctl', 'update', "it's done; rm -rf / && echo $HOME"],
      ['fragctl', 'task', 'edit', 'T-1', '--summary', 'a b  c'],
      ['fragctl', 'update', ''],
    ]) {
      expect(splitWords(commandLine(argv))).toEqual(argv);
    }
  });

  it('turns commands into tool calls, dropping the session the server supplies', () => {
    expect(commandForMcp('fragctl task activate --session SESSION-004 T-1')).toBe('task_activate {"code":"T-1"}');
    expect(commandForMcp(commandLine(['fragctl', 'update', "what I'd say"]))).toBe(`update {"message":"what I'd say"}`);
    expect(commandForMcp('fragctl task edit T-1 --estimate 1h30m')).toBe(
      'task_edit {"code":"T-1","estimate_minutes":90}',
    );
    expect(commandForMcp('fragctl task list --blocked')).toBe('task_list {"blocked":true}');
    // Messages and handoff are ops of the coordinate tool; a message id is a number in a list.
    expect(commandForMcp('fragctl inbox ack 12 --session SESSION-004')).toBe('coordinate {"op":"ack","ids":[12]}');
    expect(commandForMcp('fragctl inbox ack --all')).toBe('coordinate {"op":"ack","all":true}');
    expect(commandForMcp('fragctl inbox')).toBe('coordinate {"op":"inbox"}');
    expect(commandForMcp("fragctl send task:T-1 'the API moved'")).toBe(
      'coordinate {"op":"send","to":"task:T-1","text":"the API moved"}',
    );
    expect(commandForMcp("fragctl handoff T-1 --to codex --note 'yours'")).toBe(
      'coordinate {"op":"handoff","task":"T-1","to":"codex","text":"yours"}',
    );
    expect(commandForMcp('fragctl session status')).toBe('session_status');
    // No tool for it: left as it was.
    expect(commandForMcp('fragctl report --by day')).toBe('fragctl report --by day');
  });

  it('leaves a command no tool does as it is, rather than naming a tool that does something else', () => {
    // There is no sprint_edit tool: reopening a sprint must not read as completing it.
    expect(commandForMcp('fragctl sprint edit S1 --status active')).toBe('fragctl sprint edit S1 --status active');
  });

  it('rewrites prose that names a command', () => {
    const i = instructionsForMcp({
      next_actions: ['Finish with fragctl done --session SESSION-002 "<summary>".'],
      suggested_commands: [],
      context_reminder: 'no session: start one with fragctl session start',
    });
    expect(i.next_actions).toEqual(['Finish with the done tool "<summary>".']);
    expect(i.context_reminder).toBe('no session: start one with the session_start tool');
  });

  it('names the time_correct tool and its op for the correction commands', () => {
    expect(commandForMcp(commandLine(['fragctl', 'interval', 'split', '@2', '2026-03-02T10:00:00Z']))).toBe(
      'time_correct {"op":"split","ref":"@2","at":"2026-03-02T10:00:00Z"}',
    );
    expect(commandForMcp("fragctl interval annotate @1 'on the train'")).toBe(
      'time_correct {"op":"annotate","ref":"@1","text":"on the train"}',
    );
    expect(commandForMcp('fragctl intervals --actor claude')).toBe('time_correct {"op":"list"}');
    expect(commandForMcp('fragctl undo')).toBe('time_correct {"op":"undo"}');
  });

  it('rewrites error hints: commands become tools, then flags become arguments', () => {
    expect(hintForMcp('choose other times, or add --adjust to trim, split or remove what it overlaps')).toBe(
      'choose other times, or add adjust: true to trim, split or remove what it overlaps',
    );
    expect(hintForMcp('list them with: fragctl intervals --actor claude')).toBe(
      'list them with: time_correct {"op":"list"}',
    );
    expect(
      hintForMcp('ask human to undo theirs first, or correct it by hand (fragctl intervals, fragctl interval edit)'),
    ).toBe(
      'ask human to undo theirs first, or correct it by hand (time_correct {"op":"list"}, time_correct {"op":"edit"})',
    );
    expect(hintForMcp('pause the session (fragctl session pause) or stop the task first, then correct it')).toBe(
      'pause the session (the session_pause tool) or stop the task first, then correct it',
    );
    expect(
      hintForMcp('take another task with: fragctl next; pair with ann with --join; or take it with --take-over'),
    ).toBe('take another task with: the next tool; pair with ann with join: true; or take it with take_over: true');
    // A command with no tool stays whole, its flags too: they belong to it.
    expect(hintForMcp('fragctl watch --json prints one event per line')).toBe(
      'fragctl watch --json prints one event per line',
    );
  });
});
