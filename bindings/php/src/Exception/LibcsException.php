<?php

declare(strict_types=1);

namespace Libcs\Exception;

/**
 * A libcs call failed: the base of every exception the library's answers raise.
 *
 * getCodeName() is the status name without its prefix ("EINVAL", "ENOTFOUND"...),
 * getMessage() says in words what went wrong, and getField() names the request field to
 * blame, or is "" when no single field is. getCode() is the status itself (CS_EINVAL...,
 * negative). Codes without a class of their own (CS_ERROR) raise this class.
 */
class LibcsException extends \RuntimeException
{
    /** The class for each status name; see docs/errors.md. */
    private const CLASSES = [
        'ENOTFOUND' => NotFound::class,
        'EEXISTS' => AlreadyExists::class,
        'EINVAL' => InvalidArgument::class,
        'ECONFLICT' => Conflict::class,
        'EPERM' => PermissionDenied::class,
        'EBUSY' => Busy::class,
        'ENOMEM' => OutOfMemory::class,
        'EDB' => DatabaseError::class,
        'EVERSION' => VersionMismatch::class,
        'EREADONLY' => ReadOnlyDatabase::class,
    ];

    public function __construct(
        private readonly string $codeName,
        string $message,
        private readonly string $field = '',
        int $status = -1,
        ?\Throwable $previous = null
    ) {
        parent::__construct($message, $status, $previous);
    }

    /** The exception for a status name, of the class that name has. */
    public static function fromCode(string $codeName, string $message, string $field = '',
                                    int $status = -1): self
    {
        $class = self::CLASSES[$codeName] ?? self::class;
        return new $class($codeName, $message, $field, $status);
    }

    /** The status name: "EINVAL", "ENOTFOUND"... */
    public function getCodeName(): string
    {
        return $this->codeName;
    }

    /** The request field to blame ("identities[0].value"), or "". */
    public function getField(): string
    {
        return $this->field;
    }
}
