<?php

declare(strict_types=1);

namespace Libcs\Exception;

/** EDB: the storage failed; the message carries SQLite's text. */
class DatabaseError extends LibcsException
{
}
