/** The broker could not listen because another process holds the port. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    readonly port: number,
    readonly host: string,
    readonly setting: string,
    options?: { cause?: unknown },
  ) {
    super(
      `MQTT port ${port} on ${host} is already in use (another broker, or a second Premonitor?). ` +
        `Stop the other process or set ${setting} to a free port (0 picks an ephemeral one).`,
      options,
    );
  }
}

/** The credential file is unreadable, malformed, or could not be written. */
export class CredentialFileError extends Error {
  override readonly name = 'CredentialFileError';
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`credential file ${path}: ${message}`, options);
  }
}

/** An add would overwrite an existing account without `replace: true`. */
export class DuplicateCredentialError extends Error {
  override readonly name = 'DuplicateCredentialError';
  constructor(readonly username: string) {
    super(`an MQTT account named '${username}' already exists; remove it first, or replace it (replace: true, or --replace on the CLI) to rotate its password`);
  }
}

/** A stored password hash is not in the `scrypt$N$r$p$salt$hash` format. */
export class PasswordHashFormatError extends Error {
  override readonly name = 'PasswordHashFormatError';
  constructor(reason: string) {
    super(`password hash is not a valid scrypt$N$r$p$salt$hash string: ${reason}`);
  }
}

/** A password too short to stand up to guessing over the network. */
export class WeakPasswordError extends Error {
  override readonly name = 'WeakPasswordError';
  constructor(readonly minLength: number) {
    super(`MQTT passwords must be at least ${minLength} characters; omit the password to have one generated`);
  }
}
