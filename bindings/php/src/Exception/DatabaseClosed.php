<?php

declare(strict_types=1);

namespace Libcs\Exception;

/** The Database was closed (libcs itself says EINVAL, field "db", for a missing handle). */
class DatabaseClosed extends LibcsException
{
    public function __construct()
    {
        parent::__construct('EINVAL', 'the database is closed', 'db', -4);
    }
}
