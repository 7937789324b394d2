<?php

declare(strict_types=1);

namespace Libcs\Tests;

use Libcs\Database;
use PHPUnit\Framework\TestCase;

/** A fresh database file in a throwaway directory for every test. */
abstract class LibcsTestCase extends TestCase
{
    protected string $dir;
    protected Database $db;

    protected function setUp(): void
    {
        $dir = sys_get_temp_dir() . '/libcs-php-' . bin2hex(random_bytes(6));
        mkdir($dir, 0700);
        $this->dir = $dir;
        $this->db = new Database("$dir/helpdesk.db");
    }

    protected function tearDown(): void
    {
        $this->db->close();
        foreach (glob("{$this->dir}/*") ?: [] as $file) {
            unlink($file);
        }
        rmdir($this->dir);
    }

    /** A web form channel's id. */
    protected function webform(): int
    {
        return $this->db->channelCreate(kind: 'webform', name: 'Contact form')['id'];
    }

    /**
     * A customer's message through the web form: what ingest answered.
     *
     * @return array<string, mixed>
     */
    protected function contact(int $channel, string $email, string $subject): array
    {
        return $this->db->ingest([
            'channel_id' => $channel,
            'sender' => $email,
            'subject' => $subject,
            'body' => "About: $subject",
        ]);
    }
}
